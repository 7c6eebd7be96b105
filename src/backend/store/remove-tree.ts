// Removing a folder that may hold a million files (the staging of an archive with a million entries) in flat
// memory: entries are read from the folder as a stream and unlinked a few at a time. Node's recursive fs.rm
// lists the whole folder and starts an unlink for every name at once: ~2.6 KB per file held until the end.
import { promises as fs } from 'fs';
import * as path from 'path';

/** Unlinks at once, at most. */
const AT_ONCE = 32;

/** Removes `dir` and everything under it; a folder that is not there is fine. */
export async function removeTree(dir: string): Promise<void> {
  let handle: import('fs').Dir;
  try {
    handle = await fs.opendir(dir, { bufferSize: 256 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return fs.rm(dir, { force: true });
    throw e;
  }
  const running = new Set<Promise<void>>();
  for await (const entry of handle) {
    const full = path.join(dir, entry.name);
    const work = (entry.isDirectory() ? removeTree(full) : fs.rm(full, { force: true })).finally(() => running.delete(work));
    running.add(work);
    if (running.size >= AT_ONCE) await Promise.race(running);
  }
  await Promise.all(running);
  await fs.rm(dir, { recursive: true, force: true });
}
