// What a new machine meets first: the installs `npm start` and `npm test` make of shared things. The second test
// installs code-server and Node 24 for real into the cache the later phases use (IMAGE_LAYERS_CACHE: CI points it
// at an empty folder, so every CI run goes through the first install), twice at once, with the environment an
// enclosing `npm test` exports.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const lockLib = path.join(repoRoot, 'scripts', 'lib', 'install-lock.mjs');

/** Runs a child to its end; resolves with its code and output. */
function runChild(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, child }));
  });
}

/** A node child that takes the install lock on `lock`, appends `start NAME`/`end NAME` around `holdMs` of work. */
function locker(lock, journal, name, holdMs) {
  const code = `
    import { withInstallLock } from ${JSON.stringify(lockLib)};
    import fs from 'node:fs';
    await withInstallLock(${JSON.stringify(lock)}, 'test thing', async () => {
      fs.appendFileSync(${JSON.stringify(journal)}, 'start ${name}\\n');
      await new Promise((r) => setTimeout(r, ${holdMs}));
      fs.appendFileSync(${JSON.stringify(journal)}, 'end ${name}\\n');
    });`;
  return ['--input-type=module', '-e', code];
}

describe('installs of shared things', function () {
  let dir;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-install-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets one run install at a time: the second says it waits, then goes on after the first', async function () {
    this.timeout(30_000);
    const lock = path.join(dir, 'x.lock');
    const journal = path.join(dir, 'journal');
    const first = runChild(process.execPath, locker(lock, journal, 'A', 1500));
    // The second starts once the first holds the lock.
    for (let i = 0; i < 100 && !fs.existsSync(journal); i++) await new Promise((r) => setTimeout(r, 50));
    const second = await runChild(process.execPath, locker(lock, journal, 'B', 10));
    const a = await first;
    assert.equal(a.code, 0, a.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /test thing: another run is installing \(pid \d+, since .*\); waiting for it to finish/);
    assert.match(second.stderr, /the other run finished; going on/);
    assert.deepEqual(fs.readFileSync(journal, 'utf8').trim().split('\n'), ['start A', 'end A', 'start B', 'end B']);
  });

  it('takes over the lock of a run that was killed while holding it', async function () {
    this.timeout(30_000);
    const lock = path.join(dir, 'x.lock');
    const journal = path.join(dir, 'journal');
    const holder = spawn(process.execPath, locker(lock, journal, 'A', 600_000), { stdio: 'ignore' });
    for (let i = 0; i < 100 && !fs.existsSync(journal); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.existsSync(journal), 'the first run took the lock');
    holder.kill('SIGKILL');
    const t0 = Date.now();
    const next = await runChild(process.execPath, locker(lock, journal, 'B', 10));
    assert.equal(next.code, 0, next.stderr);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    assert.deepEqual(fs.readFileSync(journal, 'utf8').trim().split('\n'), ['start A', 'start B', 'end B']);
  });

  it('installs code-server and Node 24 twice at once under npm, both ending with a working code-server', async function () {
    // A first install downloads and builds native modules: minutes on two cores.
    this.timeout(30 * 60_000);
    const cache = process.env.IMAGE_LAYERS_CACHE || path.join(os.homedir(), '.cache', 'image-layers');
    const fresh = !fs.existsSync(path.join(cache, 'code-server', '.complete'));
    // What an enclosing `npm test` (Node 20) exports; the nested installs must not take its Node for theirs.
    const env = {
      ...process.env,
      IMAGE_LAYERS_CACHE: cache,
      npm_config_user_agent: process.env.npm_config_user_agent || `npm/11.0.0 node/${process.version} linux x64 workspaces/false`,
      npm_node_execpath: process.execPath,
      NODE: process.execPath,
    };
    const script = path.join(repoRoot, 'scripts', 'install-code-server.sh');
    const t0 = Date.now();
    const [a, b] = await Promise.all([runChild('bash', [script], env), runChild('bash', [script], env)]);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    console.log(`      ${fresh ? 'first install' : 'already installed'} into ${cache}: ${secs} s`);
    for (const r of [a, b]) assert.equal(r.code, 0, `install failed:\n${r.stderr.split('\n').slice(-30).join('\n')}`);
    assert.equal(a.stdout, b.stdout, 'both name the same install');
    if (fresh) {
      assert.equal([a, b].filter((r) => /waiting for it/.test(r.stderr)).length, 1, 'exactly one waited for the other');
    }
    const [node, entry] = a.stdout.trim().split('\n').pop().split(' ');
    assert.match(execFileSync(node, ['--version'], { encoding: 'utf8' }), /^v24\./);
    // Its own empty config file, so that ~/.config/code-server is neither read nor written.
    const config = path.join(dir, 'code-server.yaml');
    fs.writeFileSync(config, '');
    const version = execFileSync(node, [entry, '--config', config, '--version'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.match(version, /^4\.139\.1 .* with Code \d/m);
  });
});
