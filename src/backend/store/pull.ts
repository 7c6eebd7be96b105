// `docker pull` for the store: index → the host's platform → manifest → config → the layers the store lacks.
// Every blob streams through hashing (digest), gunzip and hashing again (diff ID) into a staging folder; only
// when all of them check out does one commit make the image visible, so a failure or a cancel at any point
// leaves the store exactly as it was.
import { promises as fs } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { BackendError, userMessage, type WorkOptions } from '../backend';
import type { ProgressMessage } from '../../core/model';
import { chainIds } from '../../core/chain';
import { layerMessage, progressOf, rateGate, statusMessage } from '../../core/progress-stream';
import { familiarRepository, familiarString, fullRepository, type ImageReference, parseReference, shortId } from '../../core/reference';
import { imageManifest, indexEntries, pickPlatform, type Descriptor } from '../registry/manifests';
import type { RegistryClient } from '../registry/registry-client';
import { transferTrouble } from '../registry/registry-body';
import { stagingName } from './archive-reader';
import { exists } from './atomic';
import { commitImages, type PreparedLayer } from './commit';
import { MAX_JSON_BYTES, parseImageConfig } from './image-config';
import { compressedBlob, scanLayer, scanLayerStream } from './layer-scan';
import type { StoreLayout } from './layout';
import { withStoreLock } from './lock';
import { listChainIds, readImage, readLayer, sha256Hex } from './records';
import { Repositories } from './repositories';
import { ensureFreeSpace } from './space-guard';
import { sweepStaging } from './staging';
import { removeTree } from './remove-tree';

export interface PullResult {
  id: string;
  /** The digest the image was pulled by (the index's, for a multi-platform image), as RepoDigests records it. */
  digest: string;
  /** The names recorded: `repo:tag` (when pulled by tag) and `repo@digest`. */
  refs: string[];
  /** Digests of the layer blobs actually fetched; the others the store had. */
  fetched: string[];
}

/** Layers fetched at once, as the engine's default. */
const CONCURRENT_DOWNLOADS = 3;

const cancelled = () => new BackendError('cancelled', 'The pull was cancelled; the store is unchanged.');

function parsePullRef(input: string): ImageReference {
  const r = parseReference(input);
  if (!r) throw new BackendError('invalid-input', `"${input}" is not a valid image reference.`);
  return r.tag || r.digest ? r : { ...r, tag: 'latest' };
}

/** Reads a small blob (a config) whole, checking its size and digest. */
async function fetchSmallBlob(client: RegistryClient, ref: ImageReference, d: Descriptor, what: string, signal?: AbortSignal): Promise<Buffer> {
  if (d.size > MAX_JSON_BYTES) throw new BackendError('corrupt', `${what} is said to be ${d.size} bytes, more than an image config may be.`);
  const { body } = await client.blob(ref, d.digest, signal);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > d.size) {
        body.destroy();
        throw new BackendError('corrupt', `${what} is larger than the ${d.size} bytes its descriptor declares.`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    if (BackendError.is(e)) throw e;
    throw new BackendError('failed', `The registry ${ref.registry} stopped sending ${what}: ${userMessage(e)}.`);
  }
  const raw = Buffer.concat(chunks);
  const digest = 'sha256:' + sha256Hex(raw);
  if (digest !== d.digest) throw new BackendError('corrupt', `${what} does not match its digest ${d.digest} (its bytes hash to ${digest}).`);
  return raw;
}

/**
 * The registry's stream (whose silence, slowness and drops the client watches), checked against the declared
 * size; any other failure becomes a sentence naming the layer rather than a tar error.
 */
function guarded(body: Readable, declared: number, what: string, registry: string, onBytes: (n: number) => void, signal: AbortSignal): Readable {
  async function* watch(): AsyncGenerator<Buffer> {
    let total = 0;
    try {
      for await (const chunk of body) {
        total += (chunk as Buffer).length;
        if (total > declared) throw new BackendError('corrupt', `${what} is larger than the ${declared} bytes its manifest declares.`);
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
    } catch (e) {
      const trouble = transferTrouble(e);
      if (signal.aborted || (BackendError.is(e) && !trouble)) throw e;
      throw new BackendError('failed', `The registry ${registry} stopped sending ${what} after ${total} of ${declared} bytes (${trouble ?? userMessage(e)}); the store is unchanged.`);
    } finally {
      body.destroy();
    }
  }
  return Readable.from(watch(), { objectMode: false });
}

/** Runs tasks a few at a time; the first failure stops the rest (through `abort`) and is the one reported. */
async function runPool(tasks: (() => Promise<void>)[], limit: number, abort: AbortController): Promise<void> {
  let next = 0;
  let first: unknown;
  const worker = async () => {
    while (next < tasks.length && first === undefined) {
      const task = tasks[next++];
      try {
        await task();
      } catch (e) {
        if (first === undefined) {
          first = e;
          abort.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (first !== undefined) throw first;
}

/** The size of a layer whose data the store has under another chain: from any record with that diff ID. */
async function knownLayerSize(layout: StoreLayout, diffId: string, staging: string, what: string): Promise<number> {
  for (const chainId of await listChainIds(layout)) {
    const rec = await readLayer(layout, chainId);
    if (rec?.diffId === diffId) return rec.size;
  }
  // Data without a record (left by a removal in progress): count its entries again.
  return (await scanLayer(layout.layerTar(diffId), path.join(staging, 'size-probe.tar'), what)).size;
}

/** How often a layer's byte count is reported while it downloads. */
const PROGRESS_EVERY_MS = 100;

export async function pullImage(layout: StoreLayout, client: RegistryClient, input: string, options: WorkOptions = {}): Promise<PullResult> {
  // The engine's stream, message for message, so that `image-layers pull` reads like `docker pull`.
  const report = (m: ProgressMessage, fraction?: number) => options.onProgress?.(progressOf(m, fraction));
  const outer = options.signal;
  if (outer?.aborted) throw cancelled();
  const ref = parsePullRef(input);
  const name = familiarRepository(ref);
  const label = familiarString(ref, true);
  // One signal for the whole pull: the caller's cancel, or the first failing download stopping the others.
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = abort.signal;
  const rethrow = (e: unknown): never => {
    if (outer?.aborted) throw cancelled();
    throw e;
  };

  await fs.mkdir(layout.tmp, { recursive: true });
  await sweepStaging(layout);
  const staging = path.join(layout.tmp, stagingName());
  await fs.mkdir(staging);
  try {
    report(statusMessage(`Pulling from ${ref.path}`, ref.digest ?? ref.tag), 0);
    let top = await client.manifest(ref, signal).catch(rethrow);
    const pulledDigest = top.digest;
    const entries = indexEntries(top.body, top.mediaType, `The index of ${label}`);
    if (entries) {
      const pick = pickPlatform(entries, `The index of ${label}`);
      top = await client.manifest({ ...ref, tag: undefined, digest: pick.digest }, signal).catch(rethrow);
      if (indexEntries(top.body, top.mediaType, `The manifest of ${label}`)) {
        throw new BackendError('unsupported', `The index of ${label} points at another index; the built-in store reads one level.`);
      }
    }
    const manifest = imageManifest(top.body, `The manifest of ${label}`);
    // An image the store has (its config, named by its digest) needs nothing from the registry but the manifest,
    // and, as the engine does, the pull then names no layers.
    const stored = await readImage(layout, manifest.config.digest);
    const have = stored !== undefined && 'sha256:' + sha256Hex(stored.raw) === manifest.config.digest;
    const configRaw = have ? stored.raw : await fetchSmallBlob(client, ref, manifest.config, `The config of ${label}`, signal).catch(rethrow);
    const id = 'sha256:' + sha256Hex(configRaw);
    const config = parseImageConfig(configRaw, `The config of ${label}`);
    if (config.os && config.os !== 'linux') throw new BackendError('unsupported', `${label} is a ${config.os} image; the built-in store keeps linux images only.`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new BackendError('corrupt', `The manifest of ${label} lists ${manifest.layers.length} layers but its config lists ${diffIds.length}.`);
    }
    const chains = chainIds(diffIds, sha256Hex);

    // What the store has, by diff ID: the config (verified by its digest) names each layer's diff ID, and the
    // store's data is verified by diff ID, so a layer whose data is here is not fetched, whatever the blob's
    // compressed digest. (The engine asks its digest mapping first because it fetches config and layers at once.)
    const layers: PreparedLayer[] = [];
    const missing = new Map<string, number[]>(); // blob digest → layer positions
    const named = new Set<string>();
    for (const [i, d] of manifest.layers.entries()) {
      const short = shortId(d.digest);
      const what = `Layer ${i + 1} of ${label} (${short})`;
      const base = { chainId: chains[i], diffId: diffIds[i], parentChain: i ? chains[i - 1] : '' };
      const record = await readLayer(layout, chains[i]);
      const haveData = await exists(layout.layerTar(diffIds[i]));
      const first = !named.has(short);
      named.add(short);
      if (haveData) {
        const size = record?.diffId === diffIds[i] ? record.size : await knownLayerSize(layout, diffIds[i], staging, what);
        layers.push({ ...base, size });
        if (first && !have) report(layerMessage(short, 'Already exists'));
        continue;
      }
      layers.push({ ...base, size: 0 });
      if (first) report(layerMessage(short, 'Pulling fs layer'));
      missing.set(d.digest, [...(missing.get(d.digest) ?? []), i]);
    }

    const total = [...missing.keys()].reduce((n, digest) => n + (manifest.layers.find((l) => l.digest === digest)?.size ?? 0), 0);
    await ensureFreeSpace(layout.tmp, total, `Pulling ${label}`);
    let received = 0;
    const fetched: string[] = [];
    const tasks = [...missing.entries()].map(([digest, positions], n) => async () => {
      const i = positions[0];
      const d = manifest.layers[i];
      const short = shortId(digest);
      const what = `Layer ${i + 1} of ${label} (${short})`;
      const fraction = () => (total ? received / total : undefined);
      const blob = await client.blob(ref, digest, signal);
      const due = rateGate(PROGRESS_EVERY_MS);
      let current = 0;
      const body = guarded(blob.body, d.size, what, ref.registry, (bytes) => {
        received += bytes;
        current += bytes;
        if (due() || current === d.size) report(layerMessage(short, 'Downloading', { current, total: d.size }), fraction());
      }, signal);
      const scan = await scanLayerStream(body, path.join(staging, `layer-${n}.tar`), what, signal);
      if (scan.blobDigest !== digest) {
        throw new BackendError('corrupt', `${what} does not match its digest: the registry sent bytes that hash to ${scan.blobDigest}; the store is unchanged.`);
      }
      for (const p of positions) {
        if (scan.diffId !== diffIds[p]) {
          throw new BackendError('corrupt', `${what} unpacks to diff ID ${scan.diffId}, but the image config expects ${diffIds[p]}; the store is unchanged.`);
        }
        Object.assign(layers[p], {
          size: scan.size,
          tarPath: scan.tarPath,
          compressedBlob: compressedBlob(scan),
          sourceRepository: fullRepository(ref),
        });
      }
      fetched.push(digest);
      // Verified by digest and diff ID and staged; the one commit below makes every layer visible at once.
      report(layerMessage(short, 'Download complete'), fraction());
      report(layerMessage(short, 'Pull complete'), fraction());
    });
    await runPool(tasks, CONCURRENT_DOWNLOADS, abort).catch(rethrow);

    if (outer?.aborted) throw cancelled();
    const refs = [...(ref.digest ? [] : [`${name}:${ref.tag}`]), `${name}@${pulledDigest}`];
    report(statusMessage(`Digest: ${pulledDigest}`), 1);
    const upToDate = (await Repositories.read(layout.repositories)).get(label) === id;
    await withStoreLock(layout.lockFile, () => commitImages(layout, [{ id, raw: configRaw, layers, tags: refs }], 'pull'), outer);
    report(statusMessage(upToDate ? `Status: Image is up to date for ${label}` : `Status: Downloaded newer image for ${label}`));
    return { id, digest: pulledDigest, refs, fetched };
  } catch (e) {
    if (outer?.aborted) throw cancelled();
    if (BackendError.is(e) && e.kind === 'cancelled') throw cancelled();
    throw e;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    await removeTree(staging);
  }
}
