// Who a process is, beyond its PID: a PID is reused once its process is gone, so a lock or a staging folder
// names its owner by PID plus the owner's start time (Linux /proc) and the boot it started in. Elsewhere (no
// /proc) only the PID is known, and a reused PID looks alive.
import { readFileSync } from 'fs';
import * as os from 'os';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat); undefined without /proc. */
  start?: string;
  /** /proc/sys/kernel/random/boot_id: the same PID and start time in another boot are another process. */
  boot?: string;
  host: string;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

// /proc reports times in USER_HZ, which the kernel fixes at 100 on every architecture Linux ships.
const USER_HZ = 100;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields 3 on of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses, so split after the last ')'. */
function statFields(pid: number): string[] | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : undefined;
}

/** Field 22 of /proc/PID/stat. */
export function startTicks(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

let bootId: string | undefined | null = null;
function currentBoot(): string | undefined {
  if (bootId === null) bootId = readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
  return bootId;
}

/** When the process started, in ms since the epoch (Linux only). */
export function startedAtMs(pid: number): number | undefined {
  const ticks = startTicks(pid);
  const btime = /^btime (\d+)$/m.exec(readText('/proc/stat') ?? '')?.[1];
  if (ticks === undefined || btime === undefined) return undefined;
  return Number(btime) * 1000 + (Number(ticks) * 1000) / USER_HZ;
}

export function ownIdentity(): ProcessIdentity {
  return { pid: process.pid, start: startTicks(process.pid), boot: currentBoot(), host: os.hostname() };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process a record names still runs. `writtenAtMs` (the record's mtime) serves records without a
 * start time (written by older versions): a process that started after the record was written cannot have
 * written it. Another host's processes cannot be seen from here: `unknown`.
 */
export function liveness(who: Partial<ProcessIdentity> & { pid: number }, writtenAtMs?: number): Liveness {
  if (!Number.isInteger(who.pid) || who.pid <= 0) return 'dead';
  if (who.host && who.host !== os.hostname()) return 'unknown';
  if (who.boot && currentBoot() && who.boot !== currentBoot()) return 'dead';
  // A zombie has ended; only its parent has not collected its exit status yet.
  if (!pidExists(who.pid) || statFields(who.pid)?.[0] === 'Z') return 'dead';
  if (who.start !== undefined) {
    const now = startTicks(who.pid);
    return now === undefined || now === who.start ? 'alive' : 'dead';
  }
  const started = startedAtMs(who.pid);
  // A second of slack: mtime and the start time come from different clocks' roundings.
  if (writtenAtMs !== undefined && started !== undefined && started > writtenAtMs + 1000) return 'dead';
  return 'alive';
}

/** The PID's process alive (PID only; for names that carry nothing else). */
export function processAlive(pid: number): boolean {
  return liveness({ pid }) !== 'dead';
}

/** The command line of a running process, for messages ("process 123 (image-layers tag …)"). */
export function commandLine(pid: number): string | undefined {
  const raw = readText(`/proc/${pid}/cmdline`);
  if (!raw) return undefined;
  const text = raw.split('\0').filter(Boolean).join(' ');
  return text.length > 120 ? text.slice(0, 117) + '...' : text;
}
