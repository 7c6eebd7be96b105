// Makes verified, staged images visible, under the lock: layer data, then layer records, then configs, then
// tags, each by rename, with a journal so an interrupted commit can be undone.
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { mapLimit } from '../../core/limit';
import { exists, fsyncDir, fsyncFile, writeFileAtomic } from './atomic';
import { recordDigest, type CompressedBlob } from './distribution';
import { appendEvents } from './events';
import { clearJournal, recoverJournal, writeJournal } from './journal';
import type { StoreLayout } from './layout';
import { listChainIds, listImageIds } from './records';
import { Repositories } from './repositories';
import { parseImageConfig } from './image-config';
import { entryFromConfig, updateSummary } from './summary';
import { shortId } from '../../core/reference';

export interface PreparedLayer {
  chainId: string;
  diffId: string;
  size: number;
  parentChain: string;
  /** The verified uncompressed tar in staging; undefined when the store already had this layer's data. */
  tarPath?: string;
  /** The blob as it came, when that was compressed (the distribution digest and its kind). */
  compressedBlob?: CompressedBlob;
  /** The registry repository the blob came from, for the v2metadata hint a later push uses. */
  sourceRepository?: string;
}

export interface PreparedImage {
  id: string;
  raw: Buffer;
  layers: PreparedLayer[];
  tags: string[];
  parent?: string;
}

export interface CommitResult {
  /** Lines like `docker load` prints about tags moved away from other images. */
  notes: string[];
}

async function ensureFolders(layout: StoreLayout): Promise<void> {
  for (const f of layout.folders()) await fs.mkdir(f, { recursive: true });
}

/** Writes a layerdb record as a folder built aside and renamed into place. */
async function writeChainRecord(layout: StoreLayout, layer: PreparedLayer): Promise<void> {
  const temp = path.join(layout.tmp, `chain-${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(temp);
  const files: [string, string][] = [
    ['diff', layer.diffId],
    ['size', String(layer.size)],
    ['cache-id', layer.diffId.slice(7)],
  ];
  if (layer.parentChain) files.push(['parent', layer.parentChain]);
  for (const [name, text] of files) {
    const handle = await fs.open(path.join(temp, name), 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await fsyncDir(temp);
  await fs.rename(temp, layout.chainDir(layer.chainId));
}

/** How many files a commit writes at once: small files cost a round trip through the thread pool each. */
const PARALLEL = 16;

/** `action` names the change in the event stream: `load` for archives, `pull` for registries. */
export async function commitImages(layout: StoreLayout, images: PreparedImage[], action = 'load'): Promise<CommitResult> {
  await recoverJournal(layout);
  await ensureFolders(layout);
  const repos = await Repositories.read(layout.repositories);

  // Decide what is new before creating anything, so the journal names exactly what this commit adds.
  const haveChains = new Set(await listChainIds(layout));
  const haveImages = new Set(await listImageIds(layout));
  const allLayers = images.flatMap((img) => img.layers);
  const dataPresent = new Map<string, boolean>();
  await mapLimit([...new Set(allLayers.map((l) => layout.layerTar(l.diffId)))], PARALLEL, async (f) => dataPresent.set(f, await exists(f)));
  const distPresent = new Map<string, boolean>();
  const distFiles = [...new Set(allLayers.flatMap((l) => (l.compressedBlob ? [layout.diffIdByDigest(l.compressedBlob.digest)] : [])))];
  await mapLimit(distFiles, PARALLEL, async (f) => distPresent.set(f, await exists(f)));
  const dataMoves = new Map<string, string>(); // target → staged source
  const chainWrites = new Map<string, PreparedLayer>();
  const distribution = new Map<string, string>(); // file → diff ID
  const configWrites = new Map<string, PreparedImage>();
  for (const img of images) {
    for (const layer of img.layers) {
      const target = layout.layerTar(layer.diffId);
      if (!dataMoves.has(target) && !dataPresent.get(target)) {
        if (!layer.tarPath) throw new Error(`internal: no staged data for layer ${layer.diffId}`);
        dataMoves.set(target, layer.tarPath);
      }
      if (!chainWrites.has(layer.chainId) && !haveChains.has(layer.chainId)) chainWrites.set(layer.chainId, layer);
      if (layer.compressedBlob) {
        const file = layout.diffIdByDigest(layer.compressedBlob.digest);
        if (!distPresent.get(file)) distribution.set(file, layer.diffId);
      }
    }
    if (!configWrites.has(img.id) && !haveImages.has(img.id)) configWrites.set(img.id, img);
  }
  const created = [
    ...dataMoves.keys(),
    ...[...chainWrites.keys()].map((c) => layout.chainDir(c)),
    ...distribution.keys(),
    ...[...configWrites.values()].flatMap((i) => [layout.imageConfig(i.id), layout.imageMeta(i.id)]),
  ];
  const tags = images.flatMap((img) => img.tags.map((t): [string, string] => [t, img.id]));
  await writeJournal(layout, { pid: process.pid, created, tags });

  // Each group in parallel, and each folder fsynced once after its group: data, records, hints, configs, tags.
  await mapLimit([...dataMoves], PARALLEL, async ([target, source]) => {
    await fsyncFile(source);
    await fs.rename(source, target);
  });
  if (dataMoves.size) await fsyncDir(layout.layerData);
  await mapLimit([...chainWrites.values()], PARALLEL, (layer) => writeChainRecord(layout, layer));
  if (chainWrites.size) await fsyncDir(layout.layerdbChains);
  await mapLimit([...distribution], PARALLEL, ([file, diffId]) => writeFileAtomic(file, diffId, false));
  if (distribution.size) await fsyncDir(path.dirname(distFiles[0]));
  await mapLimit([...configWrites.values()], PARALLEL, async (img) => {
    await writeFileAtomic(layout.imageConfig(img.id), img.raw, false);
    if (img.parent) {
      await fs.mkdir(layout.imageMeta(img.id), { recursive: true });
      await writeFileAtomic(path.join(layout.imageMeta(img.id), 'parent'), img.parent);
    }
  });
  if (configWrites.size) await fsyncDir(layout.imageContent);

  const notes: string[] = [];
  for (const [ref, id] of tags) {
    const previous = repos.set(ref, id);
    if (previous && previous !== id && !ref.includes('@')) {
      notes.push(`The image ${ref} already exists, renaming the old one with ID ${previous} to empty string`);
    }
  }
  if (tags.length) await repos.write(layout.repositories);
  await clearJournal(layout);
  // The summary index follows the files (an interrupted update is caught by readers and by `check`).
  await updateSummary(
    layout,
    [...configWrites.values()].map((img) => entryFromConfig(img.id, parseImageConfig(img.raw, `The config of image ${shortId(img.id)}`), img.layers.map((l) => l.size), img.parent ?? '')),
  );
  // Hints only (see distribution.ts): written after the commit, outside the journal.
  // One writer per diff ID (its v2metadata file is read, changed and replaced).
  const hints = new Map<string, PreparedLayer[]>();
  for (const layer of allLayers) if (layer.compressedBlob) hints.set(layer.diffId, [...(hints.get(layer.diffId) ?? []), layer]);
  await mapLimit([...hints.values()], PARALLEL, async (layers) => {
    for (const layer of layers) await recordDigest(layout, layer.diffId, layer.compressedBlob!, layer.sourceRepository ?? '');
  });
  await appendEvents(
    layout.root,
    images.map((i) => ({ Action: action, Id: i.id })),
  );
  return { notes };
}
