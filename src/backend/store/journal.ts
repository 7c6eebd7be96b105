// A commit adds files in several places (layer data, layerdb, imagedb, tags). Before touching anything it
// writes a journal of every path it is about to create; if the process dies half-way, the next writer (under
// the lock) removes those paths again, so the store is as it was before the load began. The journal is a file
// like any other: a path in it is removed only when it names one of the store's own pieces (confine.ts).
import { promises as fs } from 'fs';
import { writeJsonAtomic } from './atomic';
import { isCommitPiece, removeInsideStore } from './confine';
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
  const tags = Array.isArray(journal.tags) ? journal.tags : [];
  const finished = tags.length > 0 && tags.every(([ref, id]) => repos.get(ref) === id);
  const created = Array.isArray(journal.created) ? journal.created.filter((p): p is string => typeof p === 'string') : [];
  let ignored = 0;
  if (!finished) {
    for (const p of [...created].reverse()) {
      if (!isCommitPiece(layout, p) || !(await removeInsideStore(layout, p))) ignored++;
    }
  }
  await clearJournal(layout);
  if (finished) return undefined;
  const outside = ignored ? `; ${ignored} path(s) it named are not the store's own pieces and were left alone` : '';
  return `Rolled back an interrupted load by process ${journal.pid} (${created.length - ignored} pieces${outside}).`;
}
