// Staging folders live in <root>/tmp, named after the loading process. Folders of processes that died are
// garbage: nothing in the store points into them. A folder older than the process now using its PID was not
// made by that process (the PID was reused).
import { promises as fs } from 'fs';
import * as path from 'path';
import { removeInsideStore } from './confine';
import type { StoreLayout } from './layout';
import { liveness } from './process-identity';

const STAGING = /^(?:load|chain|save)-(\d+)-[a-f0-9]+$/;

/** Staging folders of processes that are gone, without removing them. */
export async function deadStaging(layout: StoreLayout): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.tmp);
  } catch {
    return [];
  }
  const dead: string[] = [];
  for (const name of names) {
    const m = STAGING.exec(name);
    if (!m) continue;
    const dir = path.join(layout.tmp, name);
    const st = await fs.stat(dir).catch(() => undefined);
    if (st && liveness({ pid: Number(m[1]) }, st.birthtimeMs || st.mtimeMs) === 'dead') dead.push(dir);
  }
  return dead;
}

/** Removes staging folders whose process is gone; returns how many. */
export async function sweepStaging(layout: StoreLayout): Promise<number> {
  let removed = 0;
  for (const dir of await deadStaging(layout)) if (await removeInsideStore(layout, dir)) removed++;
  return removed;
}
