// `docker load` for the store: stage the input, verify every config and layer against its digest and diff
// ID, then commit under the lock. Until the commit, nothing outside <root>/tmp changes.
import { promises as fs } from 'fs';
import * as path from 'path';
import { BackendError, type LoadResult, type WorkOptions } from '../backend';
import { chainIds } from '../../core/chain';
import { folderFiles, stageArchive, stagingName, cancelledError, type ArchiveFiles } from './archive-reader';
import { commitImages, type PreparedImage, type PreparedLayer } from './commit';
import { parseImageConfig } from './image-config';
import { readLoadPlan } from './load-plan';
import { exists } from './atomic';
import { compressedBlob, scanLayer, type ScannedLayer } from './layer-scan';
import type { StoreLayout } from './layout';
import { withStoreLock } from './lock';
import { listChainIds, readLayer, sha256Hex } from './records';
import { ensureFreeSpace } from './space-guard';
import { sweepStaging } from './staging';
import { removeTree } from './remove-tree';
import { shortId } from '../../core/reference';

export async function loadInput(layout: StoreLayout, input: string, options: WorkOptions = {}): Promise<LoadResult & { ids: string[]; notes: string[] }> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw cancelledError();
  await fs.mkdir(layout.tmp, { recursive: true });
  await sweepStaging(layout);
  const staging = path.join(layout.tmp, stagingName());
  await fs.mkdir(staging);
  try {
    const stat = await fs.stat(input).catch(() => {
      throw new BackendError('not-found', `${input} does not exist.`);
    });
    const fromFolder = stat.isDirectory();
    // Staging copies the archive, or a folder's layers (a gzip layer inflates on top, watched while it does).
    const what = `Loading ${path.basename(input)}`;
    if (!fromFolder) await ensureFreeSpace(layout.tmp, stat.size, what);
    const files: ArchiveFiles = fromFolder ? await folderFiles(input) : await stageArchive(input, staging, { signal, onProgress });
    if (fromFolder) await ensureFreeSpace(layout.tmp, [...files.files.values()].reduce((n, f) => n + f.size, 0), what);
    const plan = await readLoadPlan(files);
    if (plan.length === 0) throw new BackendError('invalid-input', `${files.source} holds no images.`);

    const scans = new Map<string, ScannedLayer>();
    // Which chains the store has, listed once (not three small reads per layer of the archive).
    const haveChains = new Set(await listChainIds(layout));
    const prepared: PreparedImage[] = [];
    let layerCounter = 0;
    const totalLayers = plan.reduce((n, p) => n + p.layers.length, 0);
    for (const item of plan) {
      const raw = await fs.readFile(item.config.path);
      const id = 'sha256:' + sha256Hex(raw);
      if (item.configDigest && item.configDigest !== id) {
        throw new BackendError('corrupt', `The config of ${item.label} does not match its digest ${item.configDigest} (its bytes hash to ${id}).`);
      }
      const config = parseImageConfig(raw, `The config of ${item.label}`);
      const diffIds = config.rootfs.diff_ids;
      if (diffIds.length !== item.layers.length) {
        throw new BackendError('invalid-input', `The manifest of ${item.label} lists ${item.layers.length} layers but its config lists ${diffIds.length}.`);
      }
      const chains = chainIds(diffIds, sha256Hex);
      const layers: PreparedLayer[] = [];
      for (const [i, layer] of item.layers.entries()) {
        if (signal?.aborted) throw cancelledError();
        const what = `Layer ${i + 1} of ${item.label}`;
        onProgress?.({ message: `Verifying layer ${shortId(diffIds[i])}`, id: shortId(diffIds[i]), fraction: layerCounter++ / Math.max(1, totalLayers) });
        const known = haveChains.has(chains[i]) ? await readLayer(layout, chains[i]) : undefined;
        if (layer.file.scanError) {
          throw new BackendError('corrupt', `${what} is not a valid layer tar (${layer.file.scanError}).`, layer.file.scanError);
        }
        let scan = layer.file.scan ?? scans.get(layer.file.path);
        if (!scan && known && known.diffId === diffIds[i] && (await exists(layout.layerTar(diffIds[i])))) {
          // The engine does the same: a chain it already has is not read again.
          layers.push({ chainId: chains[i], diffId: diffIds[i], size: known.size, parentChain: i ? chains[i - 1] : '' });
          continue;
        }
        if (!scan) {
          scan = await scanLayer(layer.file.path, path.join(staging, `layer-${scans.size}.tar`), what, { signal, copy: fromFolder });
          scans.set(layer.file.path, scan);
        }
        if (layer.digest && scan.blobDigest !== layer.digest) {
          throw new BackendError('corrupt', `${what} does not match its digest ${layer.digest} (its bytes hash to ${scan.blobDigest}).`);
        }
        if (scan.diffId !== diffIds[i]) {
          throw new BackendError('corrupt', `${what} has diff ID ${scan.diffId}, but the image config expects ${diffIds[i]}.`);
        }
        layers.push({
          chainId: chains[i],
          diffId: diffIds[i],
          size: scan.size,
          parentChain: i ? chains[i - 1] : '',
          tarPath: scan.tarPath,
          compressedBlob: compressedBlob(scan),
        });
      }
      prepared.push({ id, raw, layers, tags: item.tags });
    }
    // A parent link only counts when the parent came in the same input, as in the engine.
    for (const [i, item] of plan.entries()) {
      const parentId = item.parentConfig;
      if (parentId && prepared.some((p) => p.id === parentId) && parentId !== prepared[i].id) prepared[i].parent = parentId;
    }
    if (signal?.aborted) throw cancelledError();
    onProgress?.({ message: 'Committing', fraction: 1 });
    const { notes } = await withStoreLock(layout.lockFile, () => commitImages(layout, prepared), signal);
    // Like `docker load`: the tags loaded, or, only when the archive tagged nothing, the image IDs.
    const tags = prepared.flatMap((p) => p.tags);
    const loaded = tags.length ? tags : prepared.map((p) => p.id);
    return { loaded, ids: prepared.map((p) => p.id), notes };
  } finally {
    await removeTree(staging);
  }
}
