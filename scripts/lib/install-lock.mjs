// One install at a time into a shared place (the cache folder, the machine's Debian packages). The lock is
// flock(1) on a file, held by a small child process for as long as the work runs: the kernel drops it when its
// holder dies, so a lock left by a killed run is taken over at once, and a reused PID cannot keep it.
// scripts/install-code-server.sh takes the same kind of lock on its own file with flock(1) directly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Who holds `lockFile`, as the holder wrote it beside the lock (`<lockFile>.owner`), or '' when unknown. */
export function lockOwner(lockFile) {
  try {
    return fs.readFileSync(`${lockFile}.owner`, 'utf8').trim();
  } catch {
    return '';
  }
}

function holdLock(lockFile, wait) {
  return new Promise((resolve, reject) => {
    // `flock [-n] FILE sh -c 'echo held; exec cat'`: prints once the lock is held, then holds it until our end
    // of the pipe closes (release, or this process dying).
    const args = [...(wait ? [] : ['-n']), lockFile, 'sh', '-c', 'echo held; exec cat >/dev/null'];
    const child = spawn('flock', args, { stdio: ['pipe', 'pipe', 'ignore'] });
    let settled = false;
    child.stdout.on('data', () => {
      if (settled) return;
      settled = true;
      resolve(child);
    });
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      reject(new Error(`flock could not start (${e.message}); it comes with util-linux`));
    });
    child.on('exit', () => {
      if (settled) return;
      settled = true;
      resolve(null);
    });
  });
}

/**
 * Runs `work` while holding the lock on `lockFile`. When another run holds it, says so through `log` and waits
 * (up to `timeoutMs`), then runs `work`, which should look again at what the other run may have installed.
 * @template T
 * @param {string} lockFile
 * @param {string} what  what is being installed, for the messages
 * @param {() => Promise<T>} work
 * @param {{ log?: (line: string) => void, timeoutMs?: number }} [opts]
 * @returns {Promise<T>}
 */
export async function withInstallLock(lockFile, what, work, { log = (l) => process.stderr.write(l + '\n'), timeoutMs = 30 * 60_000 } = {}) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  let holder = await holdLock(lockFile, false);
  if (!holder) {
    const owner = lockOwner(lockFile);
    log(`${what}: another run is installing${owner ? ` (${owner})` : ''}; waiting for it to finish`);
    const waited = holdLock(lockFile, true);
    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const first = await Promise.race([waited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      void waited.then((c) => c?.stdin?.end());
      throw new Error(`${what}: still waiting for the other run after ${Math.round(timeoutMs / 60_000)} min; stop it, or remove ${lockFile}`);
    }
    if (!first) throw new Error(`${what}: flock on ${lockFile} failed`);
    holder = /** @type {import('node:child_process').ChildProcess} */ (first);
    log(`${what}: the other run finished; going on`);
  }
  fs.writeFileSync(`${lockFile}.owner`, `pid ${process.pid}, since ${new Date().toISOString()}\n`);
  try {
    return await work();
  } finally {
    fs.rmSync(`${lockFile}.owner`, { force: true });
    const gone = new Promise((resolve) => holder.once('exit', resolve));
    holder.stdin?.end();
    await gone;
  }
}
