// Keeping the store's disk from filling: a load or pull that would leave less than the margin free is refused
// before it starts (with the space it needs and the space left), the free space is looked at again while it
// writes, and a compressed layer (gzip or zstd) that inflates far beyond any real layer's ratio is stopped as a bomb
// while inflating.
import { promises as fs } from 'fs';
import { Transform } from 'stream';
import { BackendError } from '../backend';
import { formatBytes } from '../../core/format';
import { limits } from '../limits';
import { bombCheck, type Decompressor } from '../codec';

const SETTING = 'the setting imageLayers.freeSpaceMargin';

/** Bytes free to this user on the file system holding `dir`; undefined where statfs cannot tell. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await fs.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Refuses `what` when writing `needed` bytes under `dir` would leave less than the margin free. */
export async function ensureFreeSpace(dir: string, needed: number, what: string): Promise<void> {
  const free = await freeBytes(dir);
  const margin = limits.freeSpaceMarginBytes;
  if (free === undefined || free - needed >= margin) return;
  throw new BackendError(
    'failed',
    `${what} needs about ${formatBytes(needed)} in the store, but its disk has ${formatBytes(free)} free and the store keeps ${formatBytes(margin)} free (${SETTING}); free some space or lower the margin.`,
  );
}

/** Looks at the free space again (while writing): stops when it fell under the margin. */
async function checkStillFree(dir: string, what: string): Promise<void> {
  const free = await freeBytes(dir);
  const margin = limits.freeSpaceMarginBytes;
  if (free === undefined || free >= margin) return;
  throw new BackendError(
    'failed',
    `The store's disk has only ${formatBytes(free)} left, under the ${formatBytes(margin)} it keeps free (${SETTING}): stopped writing ${what[0].toLowerCase()}${what.slice(1)}; the store is unchanged.`,
  );
}

/**
 * A pass-through placed after a decompressor: applies bombCheck to its output against the compressed bytes it
 * has consumed (its own count, not the bytes handed to it: those may run ahead), and looks at the free space
 * under `dir` every limits.spaceCheckEveryBytes.
 */
export function inflationGuard(decompressor: Decompressor, dir: string, what: string): Transform {
  const bomb = bombCheck(what);
  let output = 0;
  let nextCheck = limits.spaceCheckEveryBytes;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      output += chunk.length;
      const refused = bomb(output, decompressor.consumed());
      if (refused) return done(refused);
      if (output < nextCheck) return done(null, chunk);
      nextCheck = output + limits.spaceCheckEveryBytes;
      checkStillFree(dir, what).then(() => done(null, chunk), done);
    },
  });
}
