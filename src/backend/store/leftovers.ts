// Temp files a killed writer leaves: every atomic write in the store (atomic.ts) goes through
// `.<name>.<pid>.<hex>.tmp` beside its target, always under the lock, so a holder of the lock finds only dead
// writers' temp files. The lock's own temp files and takeover claims are made outside the lock, by processes
// waiting for it, so those count only once their process is gone.
import { promises as fs } from 'fs';
import * as path from 'path';
import type { StoreLayout } from './layout';
import { isLockLeftover } from './lock';
import { processAlive } from './process-identity';

const TEMP = /^\..+\.(\d+)\.[a-f0-9]{8}\.tmp$/;
/** A waiting process removes its lock temp file within milliseconds; one this old is garbage whatever its PID. */
const LOCK_TEMP_MAX_AGE_MS = 60_000;

async function names(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => [] as string[]);
}

/** Folders that atomic writes put temp files in: fixed ones, plus one per image metadata and layer record. */
async function tempFolders(layout: StoreLayout): Promise<string[]> {
  const perImage = (await names(layout.imageMetadata)).map((n) => path.join(layout.imageMetadata, n));
  const perLayer = (await names(layout.layerdbChains)).map((n) => path.join(layout.layerdbChains, n));
  return [
    layout.imageRoot,
    layout.imagedb,
    layout.imageContent,
    path.dirname(layout.diffIdByDigest('sha256:' + '0'.repeat(64))),
    path.dirname(layout.v2MetadataByDiffId('sha256:' + '0'.repeat(64))),
    layout.tmp,
    ...perImage,
    ...perLayer,
  ];
}

async function lockLeftoverIsDead(file: string, name: string): Promise<boolean> {
  const pid = TEMP.exec(name)?.[1];
  if (pid && !processAlive(Number(pid))) return true;
  const st = await fs.stat(file).catch(() => undefined);
  return !!st && Date.now() - st.mtimeMs > LOCK_TEMP_MAX_AGE_MS;
}

/** Call holding the lock: temp files and takeover claims that no running writer will finish or remove. */
export async function findLeftovers(layout: StoreLayout): Promise<string[]> {
  const found: string[] = [];
  const lockName = path.basename(layout.lockFile);
  for (const name of await names(layout.root)) {
    if (isLockLeftover(name, lockName) && (await lockLeftoverIsDead(path.join(layout.root, name), name))) found.push(path.join(layout.root, name));
  }
  for (const dir of await tempFolders(layout)) {
    for (const name of await names(dir)) if (TEMP.test(name)) found.push(path.join(dir, name));
  }
  return found;
}
