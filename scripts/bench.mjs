// `npm run bench`: every benchmark compares against a peer measured in the same run and prints the ratio.
// `node scripts/bench.mjs activation` runs one group only (groups: activation, tree, load, layers, entries, gate, open-file, scan, pull, scale).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './bench/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const groups = {
  activation: async () => (await import('./bench/activation.mjs')).activationBench(root),
  tree: async () => (await import('./bench/tree.mjs')).treeBench(root),
  load: async () => (await import('./bench/load.mjs')).loadBench(root),
  layers: async () => (await import('./bench/layers.mjs')).layersBench(root),
  entries: async () => (await import('./bench/entries.mjs')).entriesBench(root),
  gate: async () => (await import('./bench/gate.mjs')).gateBench(root),
  'open-file': async () => (await import('./bench/open-file.mjs')).openFileBench(root),
  scan: async () => (await import('./bench/scan.mjs')).scanBench(root),
  pull: async () => (await import('./bench/pull.mjs')).pullBench(root),
  scale: async () => (await import('./bench/scale.mjs')).scaleBench(root),
};
const wanted = process.argv.slice(2).filter((g) => g in groups);

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
for (const name of wanted.length ? wanted : Object.keys(groups)) {
  console.log(`\n# ${name}`);
  report(await groups[name]());
}
