// The extension's cost at start-up: bundle size, and the time from require() to the end of activate(),
// against loading the engine client (dockerode) alone, each in a fresh Node process; then what the first
// command costs on top (the features bundle required and registered: docs/architecture.md, *How a feature
// stays out of activation*).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.mjs';

// A stand-in for the 'vscode' module: every property is a callable, constructible stub, enough for activate().
const STUB = `
const Module = require('module');
// The bundle wraps 'vscode' in an object that inherits from the module's prototype: make that answer too.
const anything = new Proxy({}, { get: (t, k) => (k === 'then' ? undefined : stub()) });
const stub = () => new Proxy(function () {}, {
  get: (t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => '' : stub()),
  apply: () => stub(),
  construct: () => stub(),
  getPrototypeOf: () => anything,
  set: () => true,
});
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? stub() : load.call(this, request, ...rest); };
`;

function timeInFreshNode(script) {
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout.trim());
}

export async function activationBench(root, runs = 9) {
  const dir = mkdtempSync(join(tmpdir(), 'il-bench-'));
  try {
    const peerBundle = join(dir, 'dockerode-bundle.js');
    writeFileSync(join(dir, 'entry.js'), "module.exports = require('dockerode');\n");
    const esbuild = await import(join(root, 'node_modules/esbuild/lib/main.js'));
    await esbuild.build({
      entryPoints: [join(dir, 'entry.js')],
      bundle: true,
      platform: 'node',
      minify: true,
      outfile: peerBundle,
      external: ['cpu-features', './crypto/build/Release/sshcrypto.node'],
      nodePaths: [join(root, 'node_modules')],
      logLevel: 'error',
    });
    // The same code as one file, as it shipped before the split: what activation parsed and ran then.
    const oneFile = join(dir, 'one-file.js');
    const { bundleOptions } = await import('../lib/bundle-options.mjs');
    await esbuild.build({
      ...bundleOptions,
      minify: true,
      stdin: { contents: "export * from './src/extension';\nimport './src/features';\n", resolveDir: root, loader: 'ts', sourcefile: 'one-file.ts' },
      outfile: oneFile,
      logLevel: 'error',
    });
    const ours = statSync(join(root, 'dist/extension.js')).size;
    const peer = statSync(peerBundle).size;

    const activate = (bundle) => `${STUB}
const t0 = performance.now();
const ext = require(${JSON.stringify(bundle)});
const context = { subscriptions: [], extensionUri: {}, globalStorageUri: {}, extension: { packageJSON: require(${JSON.stringify(join(root, 'package.json'))}) }, workspaceState: { get: (k, d) => d, update: async () => {} }, globalState: { get: (k, d) => d, update: async () => {} } };
ext.activate(context);
const t1 = performance.now();
// The first command: its stand-in loads the features bundle, which registers the real commands and panels.
require(${JSON.stringify(join(root, 'dist/features.js'))}).registerFeatures({ extension: context, catalog: async () => { throw new Error('unused'); }, options: {}, onRefresh: () => ({ dispose() {} }), files: {}, waste: {} });
console.log(JSON.stringify([t1 - t0, performance.now() - t1]));`;
    const dockerode = `const t0 = performance.now(); require(${JSON.stringify(join(root, 'node_modules/dockerode'))}); console.log(performance.now() - t0);`;
    const a = [];
    const b = [];
    const f = [];
    const one = [];
    const ratios = [];
    const splitRatios = [];
    for (let i = 0; i < runs; i++) {
      const [x, later] = timeInFreshNode(activate(join(root, 'dist/extension.js')));
      const y = timeInFreshNode(dockerode);
      const [z] = timeInFreshNode(activate(oneFile));
      a.push(x);
      f.push(later);
      b.push(y);
      one.push(z);
      ratios.push(x / y);
      splitRatios.push(x / z);
    }
    const features = statSync(join(root, 'dist/features.js')).size;
    return [
      { name: 'bundle size (dist/extension.js)', ours: `${(ours / 1024).toFixed(0)} KiB`, peerName: 'dockerode bundled alone', peer: `${(peer / 1024).toFixed(0)} KiB`, ratio: ours / peer },
      { name: 'require + activate()', ours: `${median(a).toFixed(1)} ms`, peerName: "require('dockerode')", peer: `${median(b).toFixed(1)} ms`, ratio: median(ratios), goal: '< 50 ms', ok: median(a) < 50 },
      { name: 'require + activate()', ours: `${median(a).toFixed(1)} ms`, peerName: 'the same code as one file', peer: `${median(one).toFixed(1)} ms`, ratio: median(splitRatios) },
      { name: 'first command: features bundle', ours: `${median(f).toFixed(1)} ms`, peerName: 'require + activate()', peer: `${median(a).toFixed(1)} ms`, ratio: median(f) / median(a) },
      { name: 'bundle size (dist/features.js)', ours: `${(features / 1024).toFixed(0)} KiB`, peerName: 'dist/extension.js', peer: `${(ours / 1024).toFixed(0)} KiB`, ratio: features / ours },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
