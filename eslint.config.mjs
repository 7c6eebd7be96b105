// ESLint over the sources, tests and scripts: eslint's and typescript-eslint's recommended rules. Not the
// type-aware set: it takes about three times the CPU of this one (docs/architecture.md, *Lint*).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // media/ holds the webview's page script, checked by its own jsconfig; out/ and dist/ are built.
  { ignores: ['out/', 'dist/', 'node_modules/', 'media/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  // Scripts run in Node and hand callbacks to a browser page (Playwright's evaluate): both sets of globals.
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  // Mocha requires its reporters: CommonJS.
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['test/**'], languageOptions: { globals: globals.mocha } },
  // Tests read terminal output: escape sequences in their patterns are the point.
  { files: ['test/**'], rules: { 'no-control-regex': 'off' } },
);
