// Staging folders live in <root>/tmp, named after the loading process. Folders of processes that died are
// garbage: nothing in the store points into them.
import { promises as fs } from 'fs';
import * as path from 'path';
import { processAlive } from './lock';
import type { StoreLayout } from './layout';
import { removeTree } from './remove-tree';

const STAGING = /^(?:load|chain|save)-(\d+)-[a-f0-9]+$/;

/** Removes staging folders whose process is gone; returns how many. */
export async function sweepStaging(layout: StoreLayout): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(layout.tmp);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = STAGING.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await removeTree(path.join(layout.tmp, name));
    removed++;
  }
  return removed;
}

/** Staging folders of processes that are gone, without removing them. */
export async function deadStaging(layout: StoreLayout): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.tmp);
  } catch {
    return [];
  }
  return names.filter((n) => {
    const m = STAGING.exec(n);
    return m && !processAlive(Number(m[1]));
  }).map((n) => path.join(layout.tmp, n));
}
