// One pass over a layer blob: hash it as stored (the distribution digest), decompress it when gzipped, hash
// the tar (the diff ID), walk its entries for the layer size, and keep the uncompressed tar on disk.
// Nothing is held in memory beyond a chunk.
import { createHash } from 'crypto';
import { createReadStream, createWriteStream, promises as fs } from 'fs';
import { Readable, Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import * as tar from 'tar-stream';
import { BackendError } from '../backend';

export interface ScannedLayer {
  /** sha256 of the blob as found (compressed or not). */
  blobDigest: string;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  /** Sum of the tar entries' sizes: what the engine records as the layer's size. */
  size: number;
  compressed: boolean;
  /** The uncompressed tar: `out` when the blob was compressed, else the blob itself. */
  tarPath: string;
}

type Compression = 'gzip' | 'zstd' | 'none';

/** How a file is compressed, from its first bytes. */
export async function sniff(file: string): Promise<Compression> {
  const handle = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await handle.read(b, 0, 4, 0);
    return compressionOf(b.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Buffer between the stages of a scan: several 1 MiB chunks, so that the file system reads ahead and writes
 * behind (in the thread pool) while this thread hashes, instead of each stage waiting on the next.
 */
const STAGE_BUFFER = 8 << 20;

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/**
 * A pass-through that feeds a tar parser on the side and sums entry sizes. `tolerant`: a parse error does not stop
 * the stream (the bytes may not be a layer at all); done() rejects with it.
 */
function tarSizer(tolerant = false): { stream: Transform; done: () => Promise<number> } {
  let size = 0;
  let failed = false;
  const extract = tar.extract();
  const finished = new Promise<number>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      size += header.size ?? 0;
      stream.on('end', () => next());
      stream.resume();
    });
    extract.on('finish', () => resolve(size));
    extract.on('error', reject);
  });
  finished.catch(() => (failed = true));
  const stream = new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _e, cb) {
      if (failed || extract.write(chunk)) cb(null, chunk);
      else extract.once('drain', () => cb(null, chunk));
    },
    flush(cb) {
      if (failed) return cb();
      (extract as unknown as { end(): void }).end();
      finished.then(() => cb(), (e: Error) => (tolerant ? cb() : cb(e)));
    },
  });
  extract.on('error', (e) => {
    failed = true;
    if (tolerant) extract.emit('drain');
    else stream.destroy(e);
  });
  return { stream, done: () => finished };
}

function sink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

/** One pass over a blob stream; `out` receives the uncompressed tar when given. */
async function scanPipeline(
  source: Readable,
  compression: Compression,
  out: string | undefined,
  what: string,
  signal?: AbortSignal,
  tolerant = false,
): Promise<Omit<ScannedLayer, 'tarPath'>> {
  if (compression === 'zstd') {
    source.destroy();
    throw new BackendError('invalid-input', `${what} is zstd-compressed, which the built-in store cannot read yet.`);
  }
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  const sizer = tarSizer(tolerant);
  const stages: (Readable | Transform | Writable)[] = [source, hashing(blobHash)];
  if (compression === 'gzip') stages.push(createGunzip(), hashing(diffHash));
  stages.push(sizer.stream, out ? createWriteStream(out, { flags: 'wx', highWaterMark: STAGE_BUFFER }) : sink());
  try {
    await pipeline(stages as unknown as [Readable, ...Writable[]], { signal });
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'The load was cancelled; the store is unchanged.');
    if (BackendError.is(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new BackendError('corrupt', `${what} is not a valid layer tar (${msg}).`, msg);
  }
  const size = await sizer.done().catch((e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    throw new BackendError('corrupt', `${what} is not a valid layer tar (${msg}).`, msg);
  });
  const blobDigest = 'sha256:' + blobHash.digest('hex');
  return {
    blobDigest,
    diffId: compression === 'gzip' ? 'sha256:' + diffHash.digest('hex') : blobDigest,
    size,
    compressed: compression === 'gzip',
  };
}

/**
 * Scans the layer blob at `blob`; a compressed blob is written out uncompressed to `out`, and so is an
 * uncompressed one when `copy` is set (the blob is not ours to move, e.g. in a user's OCI layout folder).
 * `what` names the layer in error sentences.
 */
export async function scanLayer(
  blob: string,
  out: string,
  what: string,
  options: { signal?: AbortSignal; copy?: boolean } = {},
): Promise<ScannedLayer> {
  const compression = await sniff(blob);
  const writeOut = compression === 'gzip' || options.copy === true;
  const scan = await scanPipeline(createReadStream(blob), compression, writeOut ? out : undefined, what, options.signal);
  return { ...scan, tarPath: writeOut ? out : blob };
}

/**
 * Scans a layer blob arriving as a stream (a registry's answer), telling gzip from a plain tar by its first
 * bytes, and writes the uncompressed tar to `out`.
 */
export async function scanLayerStream(source: Readable, out: string, what: string, signal?: AbortSignal): Promise<ScannedLayer> {
  let peeked: { head: Buffer; rest: Readable };
  try {
    peeked = await peek(source, 4);
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled; the store is unchanged.');
    throw e;
  }
  const scan = await scanPipeline(peeked.rest, compressionOf(peeked.head), out, what, signal);
  return { ...scan, tarPath: out };
}

function compressionOf(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** JSON (a config or manifest), not a layer: no tar walk for it. */
function looksLikeJson(head: Buffer): boolean {
  for (const b of head.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b || b === 0x5b;
  }
  return false;
}

/** The sum of a tar's entry sizes, from bytes in memory; rejects when they are not a tar. */
function tarSizeOf(buf: Buffer): Promise<number> {
  const sizer = tarSizer();
  const done = sizer.done();
  sizer.stream.on('data', () => undefined);
  sizer.stream.on('error', () => undefined); // the same error rejects done()
  sizer.stream.end(buf);
  return done;
}

export interface StagedEntry {
  /** The scan of the entry as a layer, done while it was staged; absent when it is not a layer (JSON, zstd). */
  scan?: ScannedLayer;
  /** Why the entry is not a readable layer, when it looked like one. */
  scanError?: string;
}

/** Entries up to this size are gathered in memory and written with one call; larger ones stream. */
const SMALL_ENTRY = 1 << 20;

/**
 * Copies one archive entry to `out` and, in the same pass, scans it as a layer: sha256 of the bytes, and for a
 * tar the entry-size sum, for gzip the uncompressed tar (written to `out` instead of the blob), its diff ID and
 * size. Whether the entry is a layer is only known from the manifest, read later, so every entry that is not JSON
 * is scanned, and a scan failure is kept, not thrown. `write(out, bytes)`: how small entries are written (the
 * caller may run several at once); it must create `out` exclusively.
 */
export async function stageEntry(
  entry: AsyncIterable<Buffer>,
  size: number,
  out: string,
  what: string,
  write: (file: string, data: Buffer) => Promise<void>,
  signal?: AbortSignal,
): Promise<StagedEntry> {
  const { head, rest } = await peek(entry, Math.min(size, SMALL_ENTRY + 1));
  const compression = compressionOf(head);
  if (size <= SMALL_ENTRY && compression !== 'gzip') {
    for await (const extra of rest) void extra; // the end of the entry, so the archive moves on
    const buf = head;
    const digest = 'sha256:' + createHash('sha256').update(buf).digest('hex');
    await write(out, buf);
    if (compression === 'zstd' || looksLikeJson(buf)) return {};
    try {
      return { scan: { blobDigest: digest, diffId: digest, size: await tarSizeOf(buf), compressed: false, tarPath: out } };
    } catch (e) {
      return { scanError: e instanceof Error ? e.message : String(e) };
    }
  }
  if (compression === 'zstd' || looksLikeJson(head)) {
    await pipeline(rest, createWriteStream(out, { flags: 'wx' }), { signal });
    return {};
  }
  try {
    // A plain entry is copied whole even when it is no tar (tolerant); a broken gzip stream stops the load.
    const scan = await scanPipeline(rest, compression, out, what, signal, compression === 'none');
    return { scan: { ...scan, tarPath: out } };
  } catch (e) {
    if (compression === 'none' && BackendError.is(e, 'corrupt') && !signal?.aborted) return { scanError: (e as BackendError).detail ?? e.message };
    throw e;
  }
}

/**
 * The first `want` bytes of a stream (fewer if it ends), and a stream of all of it, those bytes included. The
 * source's chunks are passed on as they come.
 */
async function peek(source: AsyncIterable<Buffer>, want: number): Promise<{ head: Buffer; rest: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const got: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < want) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    got.push(next.value);
    length += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* got;
      if (ended) return;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await chunks.return?.();
    }
  }
  return { head: got.length === 1 ? got[0] : Buffer.concat(got), rest: Readable.from(replay(), { objectMode: false }) };
}

/** The sha256 and the entry-size sum of an uncompressed tar in the store, in one read. */
export async function measureTar(file: string, what: string, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
  const scan = await scanPipeline(createReadStream(file), 'none', undefined, what, signal);
  return { digest: scan.blobDigest, size: scan.size };
}
