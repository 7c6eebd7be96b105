// Bundles the extension (vscode external), the command line and the panels' page script into dist/.
import { copyFileSync, rmSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { bundleOptions } from './scripts/lib/bundle-options.mjs';

const production = process.argv.includes('--production');
const common = { ...bundleOptions, sourcemap: !production, minify: production };

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', metafile: true }),
  esbuild.build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
  // The page script runs in the webview (a browser): its own bundle, checked by tsc with the rest of src/.
  esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    entryPoints: ['src/ui/webview/page/main.ts'],
    outfile: 'dist/webview/panel.js',
  }),
]);
// SQLite as WebAssembly, for rpm databases (src/backend/rpmdb.ts): loaded from beside the bundles, on first use.
for (const file of ['sql-wasm.js', 'sql-wasm.wasm']) copyFileSync(`node_modules/sql.js/dist/${file}`, `dist/${file}`);
// A production bundle has no source map: drop those of an earlier development build, which no longer match.
if (production) for (const map of ['dist/extension.js.map', 'dist/cli.js.map', 'dist/webview/panel.js.map']) rmSync(map, { force: true });
