// Finds one layer's tar inside a `docker save` stream, by diff ID, without holding the archive.
// Podman and Docker 25+ name layer entries after their digest, so the entry is known by its name and streamed
// straight through. Docker 20.10 names them `<v1 id>/layer.tar`: each candidate is hashed while it is spooled
// to a temp file, and the one whose sha256 is the diff ID is handed out (the temp file goes when it is read).
// Docker with the containerd image store saves layers as pulled, compressed (gzip or zstd) and named after the
// compressed digest: such blobs are decompressed (backend/codec.ts) and hashed the same way.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough, Readable } from 'stream';
import { finished, pipeline } from 'stream/promises';
import * as tar from 'tar-stream';
import { BackendError, userMessage } from '../backend';
import { tarOf } from '../codec';

/** The digest an entry's name carries (Docker 25+ `blobs/sha256/<hex>`, podman `<hex>.tar`), if any. */
function digestInName(name: string): string | undefined {
  return /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1] ?? /(?:^|\/)([a-f0-9]{64})\.tar$/.exec(name)?.[1];
}

function entryNamesDigest(name: string, hex: string): boolean {
  return digestInName(name) === hex || name === `${hex}/layer.tar`;
}

/** A read stream of `file` that removes `dir` when it closes. */
function selfDeleting(file: string, dir: string): Readable {
  const rs = fs.createReadStream(file);
  rs.on('close', () => fs.rm(dir, { recursive: true, force: true }, () => undefined));
  return rs;
}

/**
 * Reads `archive` (a `docker save` tar stream) until the layer with `diffId` (sha256:…) is found.
 * `release` is called once the archive is no longer needed (to close the engine's response).
 */
export function findLayerInArchive(
  archive: NodeJS.ReadableStream,
  diffId: string,
  release: () => void,
  signal?: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  const hex = diffId.replace(/^sha256:/, '');
  const extract = tar.extract();
  let settled = false;
  let tmpDir: string | undefined;
  return new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    const finish = (err: Error | undefined, result?: NodeJS.ReadableStream) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        extract.destroy();
        release();
        if (tmpDir) fs.rm(tmpDir, { recursive: true, force: true }, () => undefined);
        reject(err);
      } else resolve(result as NodeJS.ReadableStream);
    };
    const onAbort = () => finish(new BackendError('cancelled', 'Cancelled: reading the layer.'));
    signal?.addEventListener('abort', onAbort, { once: true });

    extract.on('entry', (header, entry, next) => {
      if (settled) {
        entry.resume();
        return;
      }
      const name = header.name.replace(/^\.\//, '');
      if (header.type === 'file' && entryNamesDigest(name, hex)) {
        // Named after its digest: stream it straight out; the archive is closed once this entry is read.
        // Room for the reader to fall a few MiB behind without holding up the archive.
      const out = new PassThrough({ highWaterMark: 4 << 20 });
        entry.pipe(out);
        entry.on('end', () => {
          extract.destroy();
          release();
        });
        out.on('close', () => {
          extract.destroy();
          release();
        });
        finish(undefined, out);
        return;
      }
      const isCandidate = header.type === 'file' && (name.endsWith('/layer.tar') || name.startsWith('blobs/sha256/'));
      if (!isCandidate) {
        entry.on('end', next);
        entry.resume();
        return;
      }
      void (async () => {
        tmpDir ??= await fs.promises.mkdtemp(path.join(os.tmpdir(), 'image-layers-layer-'));
        const file = path.join(tmpDir, 'layer.tar');
        const hash = createHash('sha256');
        const { tar: bytes } = await tarOf(entry as unknown as AsyncIterable<Buffer>, `The layer ${name} of the engine's archive`);
        bytes.on('data', (d: unknown) => hash.update(d as Buffer));
        await pipeline(bytes, fs.createWriteStream(file));
        if (hash.digest('hex') === hex) {
          const dir = tmpDir;
          tmpDir = undefined;
          extract.destroy();
          release();
          finish(undefined, selfDeleting(file, dir));
        } else next();
      })().catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    });
    extract.on('finish', () =>
      finish(new BackendError('not-found', `The image has no layer ${diffId.slice(0, 19)}….`)),
    );
    extract.on('close', () => finish(new BackendError('not-found', `The image has no layer ${diffId.slice(0, 19)}….`)));
    extract.on('error', (e: Error) => finish(new BackendError('corrupt', `The engine's archive could not be read: ${e.message}`)));
    archive.on('error', (e: Error) => finish(e));
    archive.pipe(extract);
  });
}

/** Feeds `chunk` to `out` unless its reader has gone; waits while it is full. */
async function feed(out: PassThrough, chunk: Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) return;
  if (out.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/** The whole of a small entry (a config or manifest.json), refused past `max` bytes. */
async function smallEntry(chunks: AsyncIterable<Buffer>, name: string, max = 64 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of chunks) {
    size += c.length;
    if (size > max) throw new BackendError('corrupt', `The engine's archive has an entry ${name} larger than ${max >> 20} MiB.`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** manifest.json's items; a manifest that is not JSON makes the archive corrupt. */
function manifestItems(manifest: Buffer): unknown {
  try {
    return JSON.parse(manifest.toString('utf8'));
  } catch {
    throw new BackendError('corrupt', "The engine's archive has a manifest.json that is not JSON.");
  }
}

/** `config`'s rootfs.diff_ids, when it is an image config. */
function configDiffIds(config: Buffer): string[] | undefined {
  try {
    const ids = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
    return Array.isArray(ids) && ids.every((d) => typeof d === 'string') ? (ids as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Docker 20.10's `<v1 id>/layer.tar` entries, paired with diff IDs through manifest.json (each image's Layers, in
 * the order of its config's rootfs.diff_ids). The config is hashed against its name; the layers are not: the engine
 * checks each layer's bytes against its diff ID as it writes the save (and fails it otherwise), so the pairing says
 * what a sha256 of every layer would, without a second pass over the bytes beside each file's hash.
 */
function legacyPairs(items: unknown, diffIdsByConfig: ReadonlyMap<string, string[]>): Map<string, string> {
  const byEntry = new Map<string, string>();
  if (!Array.isArray(items)) return byEntry;
  for (const item of items as { Config?: unknown; Layers?: unknown }[]) {
    const diffIds = typeof item?.Config === 'string' ? diffIdsByConfig.get(item.Config.replace(/^\.\//, '')) : undefined;
    if (!diffIds || !Array.isArray(item.Layers) || item.Layers.length !== diffIds.length) continue;
    item.Layers.forEach((layer: unknown, i) => {
      if (typeof layer === 'string') byEntry.set(layer.replace(/^\.\//, ''), diffIds[i].replace(/^sha256:/, ''));
    });
  }
  return byEntry;
}

/**
 * Reads the layers `diffIds` out of one `docker save` stream: each wanted layer's tar is handed to `read` as it
 * goes by, and the archive is closed (`release`) once all are found. Entries named after their digest are read
 * only when wanted; Docker 20.10's `<v1 id>/layer.tar` entries are all read and kept until manifest.json (written
 * after them) says which diff ID each holds. Compressed blobs are hashed as they are inflated. A reader that stops
 * early does not stop the archive.
 */
export async function readLayersInArchive<T>(
  archive: NodeJS.ReadableStream,
  diffIds: readonly string[],
  read: (tar: NodeJS.ReadableStream) => Promise<T>,
  release: () => void,
  signal?: AbortSignal,
): Promise<Map<string, T>> {
  const wanted = new Set(diffIds.map((d) => d.replace(/^sha256:/, '')));
  const found = new Map<string, T>();
  const legacy = new Map<string, T>();
  const diffIdsByConfig = new Map<string, string[]>();
  let manifest: unknown;
  // Docker 20.10 writes manifest.json last; other writers may put it first: pairs are made whenever a part arrives.
  const pairLegacy = () => {
    if (manifest === undefined || !legacy.size) return;
    for (const [layer, digest] of legacyPairs(manifest, diffIdsByConfig)) {
      const value = legacy.get(layer);
      if (value !== undefined && wanted.has(digest) && !found.has(`sha256:${digest}`)) found.set(`sha256:${digest}`, value);
    }
  };
  const extract = tar.extract();
  const onAbort = () => extract.destroy(new BackendError('cancelled', 'Cancelled: reading the layers.'));
  signal?.addEventListener('abort', onAbort, { once: true });
  archive.on('error', (e: Error) => extract.destroy(e));
  archive.pipe(extract);
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      const chunks = entry as unknown as AsyncIterable<Buffer>;
      const configHex = /^([a-f0-9]{64})\.json$/.exec(name)?.[1];
      if (entry.header.type === 'file' && (configHex || name === 'manifest.json')) {
        const bytes = await smallEntry(chunks, name);
        if (configHex) {
          const ids = createHash('sha256').update(bytes).digest('hex') === configHex ? configDiffIds(bytes) : undefined;
          if (ids) diffIdsByConfig.set(name, ids);
        } else manifest = manifestItems(bytes);
        pairLegacy();
        if (found.size === wanted.size) break;
        continue;
      }
      const named = digestInName(name);
      // A blob named after another digest may be a compressed layer (or a config): known only by its first bytes.
      const blob = named !== undefined && name.startsWith('blobs/sha256/') && !wanted.has(named);
      const isLegacy = !named && name.endsWith('/layer.tar');
      const candidate = entry.header.type === 'file' && (named ? blob || (wanted.has(named) && !found.has(`sha256:${named}`)) : isLegacy);
      if (!candidate) {
        entry.resume();
        continue;
      }
      let bytes = chunks;
      let hash: ReturnType<typeof createHash> | undefined;
      if (blob) {
        const { kind, tar } = await tarOf(chunks, `The layer ${name} of the engine's archive`);
        if (kind === 'none') {
          await finished(tar.resume());
          continue;
        }
        bytes = tar;
        hash = createHash('sha256');
      }
      // Room for the reader to fall a few MiB behind without holding up the archive (128 chunks of at most 64 KiB).
      // Chunks pass one by one: a byte stream's reader would get all that is held glued into one fresh buffer.
      const out = new PassThrough({ objectMode: true, highWaterMark: 128 });
      const result = read(out);
      result.catch(() => undefined); // awaited below, once the entry is through
      for await (const chunk of bytes) {
        hash?.update(chunk);
        await feed(out, chunk);
      }
      out.end();
      const value = await result;
      if (isLegacy) {
        legacy.set(name, value);
        pairLegacy();
        if (found.size === wanted.size) break;
        continue;
      }
      const digest = hash ? hash.digest('hex') : (named as string);
      if (wanted.has(digest)) found.set(`sha256:${digest}`, value);
      if (found.size === wanted.size) break;
    }
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled: reading the layers.');
    if (BackendError.is(e)) throw e;
    throw new BackendError('corrupt', `The engine's archive could not be read: ${userMessage(e)}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    extract.destroy();
    release();
  }
  if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled: reading the layers.');
  const missing = diffIds.filter((d) => !found.has(d.startsWith('sha256:') ? d : `sha256:${d}`));
  if (missing.length) throw new BackendError('not-found', `The image has no layer ${missing[0].slice(0, 19)}….`);
  return found;
}
