// One writer at a time, across processes: an exclusive-create lock file holding the owner's PID. A lock left
// by a process that died (kill -9) is taken over, so a crash never wedges the store.
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import { BackendError } from '../backend';

const POLL_MS = 25;
const DEFAULT_TIMEOUT_MS = 60_000;

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Within one process the file lock alone would let two async callers interleave; this queue orders them.
const localQueues = new Map<string, Promise<void>>();

async function acquireFile(lockFile: string, signal?: AbortSignal, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number.parseInt((await fs.readFile(lockFile, 'utf8').catch(() => '')) || '', 10);
    if (!Number.isNaN(owner) && !processAlive(owner)) {
      // Move the stale lock aside first: of two processes racing to take it over, only one rename succeeds.
      const aside = `${lockFile}.stale.${randomBytes(4).toString('hex')}`;
      try {
        await fs.rename(lockFile, aside);
        const moved = Number.parseInt(await fs.readFile(aside, 'utf8').catch(() => ''), 10);
        if (moved !== owner) {
          // Someone else took it over between our read and our rename: give it back.
          await fs.rename(aside, lockFile).catch(() => undefined);
        } else {
          await fs.rm(aside, { force: true });
        }
      } catch {
        // lost the race; try again
      }
      continue;
    }
    if (signal?.aborted) throw new BackendError('cancelled', 'The operation was cancelled while waiting for the store lock.');
    if (Date.now() - started > timeoutMs) {
      throw new BackendError('conflict', `The image store is busy: process ${owner} holds its lock (${lockFile}).`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Runs `work` holding the store lock. */
export async function withStoreLock<T>(lockFile: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const previous = localQueues.get(lockFile) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  localQueues.set(lockFile, tail);
  try {
    await previous;
    await acquireFile(lockFile, signal);
    try {
      return await work();
    } finally {
      await fs.rm(lockFile, { force: true });
    }
  } finally {
    release();
    if (localQueues.get(lockFile) === tail) localQueues.delete(lockFile);
  }
}

/**
 * Runs `work` holding the store lock when it is free right now; otherwise does nothing and returns undefined.
 * For work that may be skipped (a reader saving the summary index), never for changes a user asked for.
 */
export async function tryStoreLock<T>(lockFile: string, work: () => Promise<T>): Promise<T | undefined> {
  if (localQueues.has(lockFile)) return undefined;
  try {
    await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    return undefined;
  }
  try {
    return await work();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}
