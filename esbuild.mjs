// Bundles the extension (vscode external) and the command line into dist/.
import { rmSync } from 'node:fs';
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
]);
// A production bundle has no source map: drop those of an earlier development build, which no longer match.
if (production) for (const map of ['dist/extension.js.map', 'dist/cli.js.map']) rmSync(map, { force: true });
