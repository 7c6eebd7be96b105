// The extension's cost at start-up: bundle size, and the time from require() to the end of activate(),
// against loading the engine client (dockerode) alone, each in a fresh Node process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.mjs';

// A stand-in for the 'vscode' module: every property is a callable, constructible stub, enough for activate().
const STUB = `
const Module = require('module');
const stub = () => new Proxy(function () {}, {
  get: (t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => '' : stub()),
  apply: () => stub(),
  construct: () => stub(),
});
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? stub() : load.call(this, request, ...rest); };
`;

function timeInFreshNode(script) {
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return Number(out.stdout.trim());
}

export async function activationBench(root, runs = 9) {
  const dir = mkdtempSync(join(tmpdir(), 'il-bench-'));
  try {
    const peerBundle = join(dir, 'dockerode-bundle.js');
    writeFileSync(join(dir, 'entry.js'), "module.exports = require('dockerode');\n");
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/esbuild/bin/esbuild'), join(dir, 'entry.js'), '--bundle', '--platform=node', '--minify', `--outfile=${peerBundle}`, '--external:cpu-features', '--external:./crypto/build/Release/sshcrypto.node', '--log-level=error'],
      { cwd: root, env: { ...process.env, NODE_PATH: join(root, 'node_modules') } },
    );
    const ours = statSync(join(root, 'dist/extension.js')).size;
    const peer = statSync(peerBundle).size;

    const activate = `${STUB}
const t0 = performance.now();
const ext = require(${JSON.stringify(join(root, 'dist/extension.js'))});
ext.activate({ subscriptions: [], extensionUri: {}, globalStorageUri: {}, workspaceState: { get: (k, d) => d, update: async () => {} } });
console.log(performance.now() - t0);`;
    const dockerode = `const t0 = performance.now(); require(${JSON.stringify(join(root, 'node_modules/dockerode'))}); console.log(performance.now() - t0);`;
    const a = [];
    const b = [];
    const ratios = [];
    for (let i = 0; i < runs; i++) {
      const x = timeInFreshNode(activate);
      const y = timeInFreshNode(dockerode);
      a.push(x);
      b.push(y);
      ratios.push(x / y);
    }
    return [
      { name: 'bundle size (dist/extension.js)', ours: `${(ours / 1024).toFixed(0)} KiB`, peerName: 'dockerode bundled alone', peer: `${(peer / 1024).toFixed(0)} KiB`, ratio: ours / peer },
      { name: 'require + activate()', ours: `${median(a).toFixed(1)} ms`, peerName: "require('dockerode')", peer: `${median(b).toFixed(1)} ms`, ratio: median(ratios), goal: '< 1', ok: median(ratios) < 1 },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
