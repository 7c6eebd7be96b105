// One writer at a time, across processes: a lock file naming its holder (PID, start time, boot, host, a nonce).
// It appears whole (written to a temp file, then hard-linked to `lock`, which fails when one exists), so no
// one ever reads an empty or half-written lock. A lock whose holder is gone (kill -9, a PID now used by another
// program) is taken over; see takeOver() for why two processes can never both hold it.
import { createHash, randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BackendError } from '../backend';
import { tempName } from './atomic';
import { commandLine, liveness, ownIdentity, processAlive, type Liveness, type ProcessIdentity } from './process-identity';

const POLL_MS = 25;
const DEFAULT_TIMEOUT_MS = 60_000;
/** An unreadable lock younger than this may be an older version's lock being written (create, then write). */
const UNREADABLE_GRACE_MS = 2_000;
/** Generations of takeover claims on one stale lock (each one's claimant died mid-takeover). */
const MAX_CLAIMS = 64;

interface LockRecord extends ProcessIdentity {
  nonce: string;
  since: string;
}

interface LockSeen {
  /** This very file: inode, mtime and bytes. A lock replaced by another has another identity. */
  identity: string;
  raw: string;
  mtimeMs: number;
  /** Parsed holder; a bare PID for locks written by older versions; undefined when empty or garbage. */
  holder?: Partial<LockRecord> & { pid: number };
}

/** What taking the lock found and cleared, for `check` to report. */
export interface LockHeld {
  cleared: string[];
}

function newRecord(): LockRecord {
  return { ...ownIdentity(), nonce: randomBytes(8).toString('hex'), since: new Date().toISOString() };
}

function parseHolder(raw: string): LockSeen['holder'] {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const r = JSON.parse(text) as Partial<LockRecord>;
    if (typeof r.pid === 'number') return { ...r, pid: r.pid };
  } catch {
    // garbage
  }
  return undefined;
}

async function readLock(file: string): Promise<LockSeen | undefined> {
  try {
    const st = await fs.stat(file, { bigint: true });
    const raw = await fs.readFile(file, 'utf8');
    const identity = createHash('sha256').update(`${st.ino} ${st.mtimeNs} ${raw}`).digest('hex').slice(0, 16);
    return { identity, raw, mtimeMs: Number(st.mtimeMs), holder: parseHolder(raw) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function stateOf(seen: LockSeen): Liveness {
  if (!seen.holder) return Date.now() - seen.mtimeMs > UNREADABLE_GRACE_MS ? 'dead' : 'alive';
  return liveness(seen.holder, seen.mtimeMs);
}

/** Creates `file` holding `record`, whole, unless it exists. */
async function createWhole(file: string, record: LockRecord): Promise<boolean> {
  const temp = tempName(file);
  await fs.writeFile(temp, JSON.stringify(record));
  try {
    await fs.link(temp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    // A file system without hard links: exclusive create, then write (an unreadable lock has a grace period).
    try {
      await fs.writeFile(file, JSON.stringify(record), { flag: 'wx' });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
}

function describeStale(seen: LockSeen): string {
  if (!seen.holder) return seen.raw.trim() ? 'an unreadable lock' : 'an empty lock (its writer stopped before writing into it)';
  const reused = processAlive(seen.holder.pid) ? ' (its PID now belongs to another program)' : '';
  return `the lock of process ${seen.holder.pid}, which has stopped${reused}`;
}

/**
 * Removes a stale lock without ever removing a live one. A claim file named after this very lock (its
 * identity) is created whole, exclusively: one claimant wins, and since nobody else may remove that lock, it
 * is still the stale one when the winner checks it again and removes it. A claimant that dies mid-way leaves
 * its claim, which the next one sees as dead and passes with the next generation. Then everyone races to
 * create the lock afresh, which only one can. Returns whether this process removed it.
 */
async function takeOver(lockFile: string, stale: LockSeen): Promise<boolean> {
  const claimPrefix = `${path.basename(lockFile)}.takeover-${stale.identity}-`;
  for (let generation = 1; generation <= MAX_CLAIMS; generation++) {
    const claim = path.join(path.dirname(lockFile), claimPrefix + generation);
    if (await createWhole(claim, newRecord())) {
      try {
        const now = await readLock(lockFile);
        if (now?.identity !== stale.identity) return false;
        await fs.rm(lockFile, { force: true });
        return true;
      } finally {
        await removeClaims(lockFile, claimPrefix);
      }
    }
    const other = await readLock(claim);
    // Gone: its winner finished. Alive: someone is taking over right now. Either way, back to the lock.
    if (!other || stateOf(other) !== 'dead') return false;
  }
  return false;
}

async function removeClaims(lockFile: string, prefix: string): Promise<void> {
  const dir = path.dirname(lockFile);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => fs.rm(path.join(dir, n), { force: true })));
}

function busyMessage(lockFile: string, seen: LockSeen, state: Liveness): string {
  const h = seen.holder;
  if (!h) return `The image store is busy: its lock (${lockFile}) is being written by another process.`;
  const since = h.since ? ` since ${h.since}` : '';
  if (state === 'unknown') {
    return (
      `The image store is busy: process ${h.pid} on ${h.host} has held its lock${since} (${lockFile}). ` +
      `Wait for it to finish; if that process is no longer running, delete ${lockFile}.`
    );
  }
  const cmd = commandLine(h.pid);
  return (
    `The image store is busy: process ${h.pid}${cmd ? ` (${cmd})` : ''} has held its lock${since} (${lockFile}). ` +
    `Wait for it to finish, or stop it if it is stuck (kill ${h.pid}); the lock of a process that has stopped is cleared by the next writer.`
  );
}

async function acquireFile(lockFile: string, record: LockRecord, signal: AbortSignal | undefined, timeoutMs: number): Promise<LockHeld> {
  const started = Date.now();
  const held: LockHeld = { cleared: [] };
  for (;;) {
    if (await createWhole(lockFile, record)) return held;
    const seen = await readLock(lockFile);
    if (!seen) continue;
    const state = stateOf(seen);
    if (state === 'dead' && (await takeOver(lockFile, seen))) {
      held.cleared.push(`Cleared ${describeStale(seen)}.`);
      continue;
    }
    if (signal?.aborted) throw new BackendError('cancelled', 'The operation was cancelled while waiting for the store lock.');
    if (Date.now() - started > timeoutMs) throw new BackendError('conflict', busyMessage(lockFile, seen, state));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Removes the lock if it is still this holder's. */
async function release(lockFile: string, record: LockRecord): Promise<void> {
  const seen = await readLock(lockFile).catch(() => undefined);
  if (seen?.holder?.nonce === record.nonce) await fs.rm(lockFile, { force: true });
}

// Within one process the file lock alone would let two async callers interleave; this queue orders them.
const localQueues = new Map<string, Promise<void>>();

/**
 * Runs `work` holding the store lock; `work` learns what taking it cleared (a dead holder's lock). Fails with
 * `conflict`, naming the holder and what to do, when a live holder keeps it past `timeoutMs`.
 */
export async function withStoreLock<T>(
  lockFile: string,
  work: (held: LockHeld) => Promise<T>,
  signal?: AbortSignal,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  const previous = localQueues.get(lockFile) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = previous.then(() => mine);
  localQueues.set(lockFile, tail);
  try {
    await previous;
    const record = newRecord();
    const held = await acquireFile(lockFile, record, signal, timeoutMs);
    try {
      return await work(held);
    } finally {
      await release(lockFile, record);
    }
  } finally {
    done();
    if (localQueues.get(lockFile) === tail) localQueues.delete(lockFile);
  }
}

/**
 * Runs `work` holding the store lock when it is free right now; otherwise does nothing and returns undefined.
 * For work that may be skipped (a reader saving the summary index), never for changes a user asked for.
 */
export async function tryStoreLock<T>(lockFile: string, work: () => Promise<T>): Promise<T | undefined> {
  if (localQueues.has(lockFile)) return undefined;
  const record = newRecord();
  if (!(await createWhole(lockFile, record).catch(() => false))) return undefined;
  try {
    return await work();
  } finally {
    await release(lockFile, record);
  }
}

/** Names of lock files a holder leaves only when killed: the temp files of its writes, and takeover claims. */
export function isLockLeftover(name: string, lockName = 'lock'): boolean {
  return name.startsWith(`${lockName}.takeover-`) || name.startsWith(`.${lockName}.`);
}
