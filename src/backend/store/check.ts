// `image-layers check`: every piece the store's indexes name must exist and hash to its name; every piece on
// disk must be named by something. Interrupted loads are rolled back first (that is recovery, not damage).
import { promises as fs } from 'fs';
import * as path from 'path';
import { isSha256Hex } from '../../core/digest';
import { BackendError, userMessage } from '../backend';
import { exists, writeFileAtomic } from './atomic';
import { measureTar } from './layer-scan';
import type { StoreLayout } from './layout';
import { parseImageConfig } from './image-config';
import { imageChainIds, listChainIds, listImageIds, readLayer, sha256Hex } from './records';
import { Repositories } from './repositories';
import { recoverJournal } from './journal';
import { removeInsideStore } from './confine';
import { findLeftovers } from './leftovers';
import { sweepStaging } from './staging';
import { rebuildSummary } from './summary';
import { shortId } from '../../core/reference';

export type ProblemKind = 'missing' | 'dangling' | 'corrupt';

export interface CheckProblem {
  kind: ProblemKind;
  path: string;
  message: string;
}

export interface CheckReport {
  images: number;
  layers: number;
  problems: CheckProblem[];
  /** What recovery did before checking (rolled-back loads, removed staging folders). */
  recovered: string[];
  /** Dangling pieces removed when asked to repair. */
  removed: string[];
  /** Records corrected when asked to repair (layer sizes recounted with --data). */
  repaired: string[];
}

type Measured = { digest: string; size: number } | undefined;

/** Digest and entry-size sum of a layer tar; undefined when it is not a tar at all. Each file is read once per check. */
async function measureOnce(cache: Map<string, Measured>, file: string, diffId: string): Promise<Measured> {
  if (cache.has(file)) return cache.get(file);
  const m = await measureTar(file, `The data of layer ${shortId(diffId)}`).catch((e: unknown) => {
    if (BackendError.is(e, 'corrupt')) return undefined;
    throw e;
  });
  cache.set(file, m);
  return m;
}

async function readdirSafe(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => [] as string[]);
}

/**
 * Call holding the lock; `cleared` says what taking it cleared (a dead holder's lock). `verifyData` hashes every
 * layer tar (slow on big stores).
 */
export async function checkStore(layout: StoreLayout, options: { verifyData?: boolean; repair?: boolean } = {}, cleared: string[] = []): Promise<CheckReport> {
  const report: CheckReport = { images: 0, layers: 0, problems: [], recovered: [...cleared], removed: [], repaired: [] };
  const rolledBack = await recoverJournal(layout);
  if (rolledBack) report.recovered.push(rolledBack);
  const swept = await sweepStaging(layout);
  if (swept) report.recovered.push(`Removed ${swept} staging folder(s) left by processes that stopped.`);
  const problem = (kind: ProblemKind, p: string, message: string) => report.problems.push({ kind, path: p, message });
  const removeDangling = async (p: string) => {
    if (await removeInsideStore(layout, p)) report.removed.push(p);
    else problem('corrupt', p, `${p} lies outside the store once symlinks are followed; it was left alone.`);
  };

  for (const file of await findLeftovers(layout)) {
    problem('dangling', file, `${path.basename(file)} is a temporary file left by a process that stopped mid-write.`);
    if (options.repair) await removeDangling(file);
  }

  let repos: Repositories;
  try {
    repos = await Repositories.read(layout.repositories);
  } catch (e) {
    problem('corrupt', layout.repositories, userMessage(e));
    repos = new Repositories();
  }
  const ids = await listImageIds(layout);
  report.images = ids.length;
  for (const [ref, id] of repos.entries()) {
    if (!ids.includes(id)) problem('missing', layout.repositories, `The tag ${ref} names image ${shortId(id)}, which is not in the store.`);
  }

  const usedChains = new Set<string>();
  for (const id of ids) {
    const file = layout.imageConfig(id);
    const raw = await fs.readFile(file);
    if ('sha256:' + sha256Hex(raw) !== id) {
      problem('corrupt', file, `The config of image ${shortId(id)} does not hash to its ID.`);
      continue;
    }
    let chains: string[];
    try {
      chains = imageChainIds(parseImageConfig(raw, `The config of image ${shortId(id)}`));
    } catch (e) {
      problem('corrupt', file, userMessage(e));
      continue;
    }
    for (const c of chains) {
      usedChains.add(c);
      if (!(await exists(layout.chainDir(c)))) problem('missing', layout.chainDir(c), `Layer ${shortId(c)} of image ${shortId(id)} has no layer record.`);
    }
  }

  const chainIds = await listChainIds(layout);
  report.layers = chainIds.length;
  const usedDiffs = new Set<string>();
  const measuredCache = new Map<string, Measured>();
  for (const c of chainIds) {
    const dir = layout.chainDir(c);
    const rec = await readLayer(layout, c);
    if (!rec || !rec.diffId.startsWith('sha256:')) {
      problem('corrupt', dir, `The layer record ${shortId(c)} has no diff ID.`);
      continue;
    }
    const expected = rec.parent ? 'sha256:' + sha256Hex(`${rec.parent} ${rec.diffId}`) : rec.diffId;
    if (expected !== c) problem('corrupt', dir, `The layer record ${shortId(c)} does not match its chain ID (parent ${rec.parent || 'none'}, diff ${shortId(rec.diffId)}).`);
    if (!usedChains.has(c)) {
      problem('dangling', dir, `The layer record ${shortId(c)} is not used by any image.`);
      if (options.repair) {
        await removeDangling(dir);
        continue;
      }
    }
    usedDiffs.add(rec.diffId);
    const data = layout.layerTar(rec.diffId);
    if (!(await exists(data))) problem('missing', data, `The data of layer ${shortId(rec.diffId)} is missing.`);
    else if (options.verifyData) {
      const measured = await measureOnce(measuredCache, data, rec.diffId);
      if (!measured) problem('corrupt', data, `The data of layer ${shortId(rec.diffId)} is not a readable tar.`);
      else if (measured.digest !== rec.diffId) problem('corrupt', data, `The data of layer ${shortId(rec.diffId)} does not hash to its diff ID.`);
      else if (measured.size !== rec.size) {
        // The size is what views and `df` add up; recounted from the tar's entries, as the engine counts it.
        if (options.repair) {
          await writeFileAtomic(path.join(dir, 'size'), String(measured.size));
          report.repaired.push(`The layer record ${shortId(c)} said ${rec.size} bytes; corrected to ${measured.size}.`);
        } else problem('corrupt', path.join(dir, 'size'), `The layer record ${shortId(c)} says ${rec.size} bytes, but its data holds ${measured.size}.`);
      }
    }
  }

  for (const name of await readdirSafe(layout.layerData)) {
    const m = /^([a-f0-9]{64})\.tar$/.exec(name);
    const file = path.join(layout.layerData, name);
    if (m && usedDiffs.has('sha256:' + m[1])) continue;
    problem('dangling', file, m ? `The layer data ${m[1].slice(0, 12)} is not used by any layer record.` : `${name} does not belong in the layer data folder.`);
    if (options.repair) await removeDangling(file);
  }
  for (const name of await readdirSafe(layout.imageMetadata)) {
    if (isSha256Hex(name) && ids.includes('sha256:' + name)) continue;
    const dir = path.join(layout.imageMetadata, name);
    problem('dangling', dir, `Image metadata ${name.slice(0, 12)} belongs to no image.`);
    if (options.repair) await removeDangling(dir);
  }
  if (options.repair) report.problems = report.problems.filter((p) => p.kind !== 'dangling');
  // The summary index is derived data, like a journal to roll back: rebuilt from the files whenever it differs.
  if (await rebuildSummary(layout)) report.recovered.push('Rebuilt the image summary index (imagedb/summary.json) from the store.');
  return report;
}
