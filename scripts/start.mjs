// `npm start`: the extension running in a real VS Code on sample data, from a fresh clone.
// Installs dependencies when missing, builds, seeds a built-in store with sample images and writes a sample
// workspace under .tmp/sample/, then opens desktop VS Code (`code` on PATH) with the extension under development,
// or else starts code-server on 127.0.0.1 (PORT, or the first free port from 8080) and prints the URL to open.
// Runs until Ctrl-C.   Options: --server (code-server even when `code` is there), --reseed, --host ADDR.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { devUrl, freePort, repoRoot, startCodeServer } from './lib/code-server.mjs';

const { values: opts } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    reseed: { type: 'boolean', default: false },
    host: { type: 'string', default: process.env.HOST || '127.0.0.1' },
  },
});

const t0 = Date.now();
const sample = path.join(repoRoot, '.tmp', 'sample');
const storePath = path.join(sample, 'store');
const workspace = path.join(sample, 'workspace');

function run(cmd, args, what) {
  console.log(`> ${what}`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  return r.status === 0;
}

function onPath(bin) {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, bin)));
}

if (!fs.existsSync(path.join(repoRoot, 'node_modules', '.package-lock.json'))) {
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci')) process.exit(1);
}
const seeded = path.join(storePath, '.image-layers-sample');
if (opts.reseed) fs.rmSync(storePath, { recursive: true, force: true });
// tsc compiles the fixtures the sample store is made from (10-15 s): only when the store is still to be seeded.
// esbuild bundles the extension itself, in a fraction of a second, every start.
if (!fs.existsSync(seeded) && !run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.'], 'tsc -p .')) {
  console.warn('tsc reported errors (above); going on with what it emitted');
}
if (!run(process.execPath, ['esbuild.mjs'], 'node esbuild.mjs')) {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) process.exit(1);
  console.warn('WARNING: esbuild failed (above); starting with the dist/extension.js of an earlier build');
}

const { makeSampleWorkspace, seedSampleStore } = await import('./lib/samples.mjs');
if (!fs.existsSync(seeded)) {
  console.log(`> seeding the sample store in ${path.relative(repoRoot, storePath)}`);
  const { ids } = await seedSampleStore(storePath);
  fs.writeFileSync(seeded, JSON.stringify(ids, null, 2) + '\n');
}
// The Dockerfiles are the user's to edit once written; the settings are rewritten each start.
const keepFiles = ['Dockerfile', 'multi-stage.Dockerfile'].filter((f) => fs.existsSync(path.join(workspace, f)));
const saved = Object.fromEntries(keepFiles.map((f) => [f, fs.readFileSync(path.join(workspace, f))]));
makeSampleWorkspace(workspace, { storePath });
for (const [f, data] of Object.entries(saved)) fs.writeFileSync(path.join(workspace, f), data);

if (onPath('code') && !opts.server) {
  console.log('> code --extensionDevelopmentPath (desktop VS Code)');
  const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, workspace], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const port = process.env.PORT ? Number(process.env.PORT) : await freePort({ start: 8080, host: opts.host });
  console.log(`> code-server on ${opts.host}:${port}`);
  const server = await startCodeServer({
    workspace,
    host: opts.host,
    port,
    userDataDir: path.join(sample, 'user-data'),
    extensionsDir: path.join(sample, 'extensions'),
    // The payload that loads the extension under development is only honoured with the smoke-test driver on.
    smokeTestDriver: true,
    logFile: path.join(sample, 'code-server.log'),
    // A store path only a workspace sets waits for the user's consent; this one is the user's.
    settings: { 'imageLayers.storePath': storePath },
  }).catch((e) => {
    console.error(e?.name === 'InstallError' ? e.message : (e?.stack ?? e));
    process.exit(1);
  });
  const url = devUrl({ url: server.url, workspace, extensionPath: repoRoot });
  console.log(`
Image Layers is running in code-server (ready ${((Date.now() - t0) / 1000).toFixed(1)} s after npm start).
Open:

  ${url}

Sample store: ${storePath}
Workspace:    ${workspace}
Server log:   ${server.logFile}
After changing the code: \`node esbuild.mjs\`, then "Developer: Reload Window" in the page.
Ctrl-C stops the server.`);
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping code-server`);
    await server.stop();
    process.exit(0);
  };
  void server.exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`code-server exited by itself (code ${code}, signal ${signal}); see ${server.logFile}`);
    process.exit(1);
  });
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Keep the event loop alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}
