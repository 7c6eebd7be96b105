// A commit adds files in several places (layer data, layerdb, imagedb, tags). Before touching anything it
// writes a journal of every path it is about to create; if the process dies half-way, the next writer (under
// the lock) removes those paths again, so the store is as it was before the load began.
import { promises as fs } from 'fs';
import { writeJsonAtomic } from './atomic';
import type { StoreLayout } from './layout';
import { Repositories } from './repositories';

export interface Journal {
  pid: number;
  /** Paths the commit creates, in creation order. */
  created: string[];
  /** Tags the commit sets last; all present means the commit finished. */
  tags: [ref: string, id: string][];
}

export async function writeJournal(layout: StoreLayout, journal: Journal): Promise<void> {
  await writeJsonAtomic(layout.journal, journal);
}

export async function clearJournal(layout: StoreLayout): Promise<void> {
  await fs.rm(layout.journal, { force: true });
}

/** Call holding the lock. Returns a sentence when it rolled something back. */
export async function recoverJournal(layout: StoreLayout): Promise<string | undefined> {
  let journal: Journal;
  try {
    journal = JSON.parse(await fs.readFile(layout.journal, 'utf8')) as Journal;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A journal that cannot be read was never completely written, so its commit never began.
    await clearJournal(layout);
    return 'Removed an unreadable commit journal.';
  }
  const repos = await Repositories.read(layout.repositories);
  const finished = journal.tags.length > 0 && journal.tags.every(([ref, id]) => repos.get(ref) === id);
  if (!finished) {
    for (const p of [...journal.created].reverse()) {
      // Only paths inside the store, whatever the journal says.
      if (!p.startsWith(layout.root)) continue;
      await fs.rm(p, { recursive: true, force: true });
    }
  }
  await clearJournal(layout);
  return finished ? undefined : `Rolled back an interrupted load by process ${journal.pid} (${journal.created.length} pieces).`;
}
