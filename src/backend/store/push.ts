// `docker push` from the store: each layer gzip-compressed on the way out (unless the registry already holds
// a compressed form the store knows of, gzip or zstd, which then keeps its kind's media type), then the config,
// then the manifest under the tag (Docker schema 2, or OCI when a layer is zstd).
// The manifest's digest is recorded as a RepoDigest, as the engine does after a push.
import { createHash } from 'crypto';
import { createReadStream, promises as fs } from 'fs';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { BackendError, type WorkOptions } from '../backend';
import type { ProgressMessage } from '../../core/model';
import { layerMessage, progressOf, rateGate, statusMessage } from '../../core/progress-stream';
import { familiarRepository, familiarString, fullRepository, type ImageReference, parseReference, shortId } from '../../core/reference';
import { gzipCompressor } from '../codec';
import { pushManifest, type PushedLayer } from '../registry/manifests';
import type { RegistryClient } from '../registry/registry-client';
import { exists } from './atomic';
import { knownDigests, recordDigest } from './distribution';
import { appendEvents } from './events';
import type { StoreLayout } from './layout';
import { withStoreLock } from './lock';
import { readImage } from './records';
import { Repositories } from './repositories';
import { recoverJournal } from './journal';

export interface PushResult {
  /** The manifest's digest. */
  digest: string;
  /** Layer blobs sent; the others the registry had (or mounted). */
  uploaded: string[];
  /** Layer blobs the registry already had. */
  skipped: string[];
}

/** How often a layer's byte count is reported while it uploads. */
const PROGRESS_EVERY_MS = 100;

const cancelled = () => new BackendError('cancelled', 'The push was cancelled; the registry may keep the layers sent so far.');

function parsePushRef(input: string): ImageReference {
  const r = parseReference(input);
  if (!r) throw new BackendError('invalid-input', `"${input}" is not a valid image reference.`);
  if (r.digest) throw new BackendError('invalid-input', `Push a tag, not a digest: "${input}".`);
  return { ...r, tag: r.tag ?? 'latest' };
}

/** The blob the registry already has for this layer, when the store knows one of its compressed digests. */
async function existingBlob(
  client: RegistryClient,
  ref: ImageReference,
  layout: StoreLayout,
  diffId: string,
  signal?: AbortSignal,
): Promise<(PushedLayer & { mountedFrom?: string }) | undefined> {
  const known = await knownDigests(layout, diffId);
  // The target repository's own digest first: re-pushing the same image asks one HEAD per layer, sends nothing.
  const target = fullRepository(ref);
  known.sort((a, b) => Number(b.SourceRepository === target) - Number(a.SourceRepository === target));
  for (const m of known) {
    const size = await client.blobSize(ref, m.Digest, signal);
    if (size !== undefined) return { digest: m.Digest, size, compression: m.Compression };
    const from = parseReference(m.SourceRepository);
    if (from && from.registry === ref.registry && from.path !== ref.path && (await client.mountBlob(ref, m.Digest, from.path, signal))) {
      const mounted = await client.blobSize(ref, m.Digest, signal);
      if (mounted !== undefined) return { digest: m.Digest, size: mounted, compression: m.Compression, mountedFrom: from.path };
    }
  }
  return undefined;
}

/**
 * Compresses a layer tar and uploads it in one stream; answers the blob. gzip whatever the layer came as: Node 20
 * has no zstd compressor, and a gzip blob with a gzip media type is as true a manifest. `onRead`: tar bytes sent.
 */
async function uploadLayer(
  client: RegistryClient,
  ref: ImageReference,
  file: string,
  onRead: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<PushedLayer> {
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const source = createReadStream(file).on('data', (chunk) => onRead(chunk.length));
  const gzip = gzipCompressor();
  let readError: unknown;
  const compressed = pipeline(source, gzip, counter, { signal }).catch((e: unknown) => {
    readError = e;
  });
  let digest = '';
  try {
    await client.uploadStream(ref, counter as unknown as Readable, () => (digest = 'sha256:' + hash.digest('hex')), signal);
  } finally {
    await compressed;
  }
  // The upload fails too when the file cannot be read; say which, not "the registry cannot be reached".
  if (readError && !signal?.aborted) {
    throw new BackendError('failed', `Could not read the layer data ${file}: ${(readError as Error).message}.`);
  }
  return { digest, size, compression: 'gzip' };
}

export async function pushImage(layout: StoreLayout, client: RegistryClient, input: string, options: WorkOptions = {}): Promise<PushResult> {
  const { signal } = options;
  // The engine's stream, message for message, so that `image-layers push` reads like `docker push`.
  const report = (m: ProgressMessage, fraction?: number) => options.onProgress?.(progressOf(m, fraction));
  if (signal?.aborted) throw cancelled();
  const ref = parsePushRef(input);
  const name = familiarRepository(ref);
  const tagRef = familiarString(ref, true);
  const repos = await Repositories.read(layout.repositories);
  const id = repos.get(tagRef);
  if (!id) throw new BackendError('not-found', `An image does not exist locally with the tag: ${tagRef}`);
  const img = await readImage(layout, id);
  if (!img) throw new BackendError('corrupt', `The tag ${tagRef} names image ${shortId(id)}, which is not in the store; run "image-layers check".`);
  const diffIds = img.config.rootfs.diff_ids;
  report(statusMessage(`The push refers to repository [${fullRepository(ref)}]`), 0);
  // The engine names each layer once, top first, before it sends any.
  for (const diffId of [...new Set(diffIds)].reverse()) report(layerMessage(shortId(diffId), 'Preparing'));
  try {
    const layers: PushedLayer[] = [];
    const uploaded: string[] = [];
    const skipped: string[] = [];
    for (const [i, diffId] of diffIds.entries()) {
      if (signal?.aborted) throw cancelled();
      const short = shortId(diffId);
      const file = layout.layerTar(diffId);
      if (!(await exists(file))) {
        throw new BackendError('corrupt', `The data of layer ${short} of ${tagRef} is missing from the store; run "image-layers check".`);
      }
      // Each layer once per image, even when it sits at two positions.
      const again = diffIds.indexOf(diffId);
      if (again < i) {
        layers.push(layers[again]);
        continue;
      }
      const fraction = (i + 1) / Math.max(1, diffIds.length);
      let blob = await existingBlob(client, ref, layout, diffId, signal);
      if (blob) {
        skipped.push(blob.digest);
        report(layerMessage(short, blob.mountedFrom ? `Mounted from ${blob.mountedFrom}` : 'Layer already exists'), fraction);
      } else {
        const total = (await fs.stat(file)).size;
        const due = rateGate(PROGRESS_EVERY_MS);
        let current = 0;
        blob = await uploadLayer(client, ref, file, (bytes) => {
          current += bytes;
          if (due() || current === total) report(layerMessage(short, 'Pushing', { current, total }), (i + (total ? current / total : 1)) / diffIds.length);
        }, signal);
        uploaded.push(blob.digest);
        report(layerMessage(short, 'Pushed'), fraction);
      }
      await recordDigest(layout, diffId, blob, fullRepository(ref));
      layers.push(blob);
    }
    if ((await client.blobSize(ref, id, signal)) === undefined) await client.uploadBytes(ref, img.raw, id, signal);
    const { mediaType, bytes: manifest } = pushManifest({ digest: id, size: img.raw.length }, layers);
    const digest = await client.putManifest(ref, ref.tag as string, mediaType, manifest, signal);
    report(statusMessage(`${ref.tag}: digest: ${digest} size: ${manifest.length}`), 1);
    report({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifest.length } });
    // Like the engine: the pushed digest becomes one of the image's RepoDigests.
    await withStoreLock(layout.lockFile, async () => {
      await recoverJournal(layout);
      const current = await Repositories.read(layout.repositories);
      if (current.get(tagRef) !== id) return;
      current.set(`${name}@${digest}`, id);
      await current.write(layout.repositories);
      await appendEvents(layout.root, [{ Action: 'push', Id: id }]);
    });
    return { digest, uploaded, skipped };
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    throw e;
  }
}
