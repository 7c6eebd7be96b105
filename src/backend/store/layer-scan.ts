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

async function sniff(file: string): Promise<Compression> {
  const handle = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await handle.read(b, 0, 4, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/** A pass-through that feeds a tar parser on the side and sums entry sizes. */
function tarSizer(): { stream: Transform; done: () => Promise<number> } {
  let size = 0;
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
  finished.catch(() => undefined);
  const stream = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (extract.write(chunk)) cb(null, chunk);
      else extract.once('drain', () => cb(null, chunk));
    },
    flush(cb) {
      (extract as unknown as { end(): void }).end();
      finished.then(() => cb(), (e: Error) => cb(e));
    },
  });
  extract.on('error', (e) => stream.destroy(e));
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
): Promise<Omit<ScannedLayer, 'tarPath'>> {
  if (compression === 'zstd') {
    source.destroy();
    throw new BackendError('invalid-input', `${what} is zstd-compressed, which the built-in store cannot read yet.`);
  }
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  const sizer = tarSizer();
  const stages: (Readable | Transform | Writable)[] = [source, hashing(blobHash)];
  if (compression === 'gzip') stages.push(createGunzip(), hashing(diffHash));
  stages.push(sizer.stream, out ? createWriteStream(out, { flags: 'wx' }) : sink());
  try {
    await pipeline(stages as unknown as [Readable, ...Writable[]], { signal });
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'The load was cancelled; the store is unchanged.');
    if (BackendError.is(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new BackendError('corrupt', `${what} is not a valid layer tar (${msg}).`, msg);
  }
  const size = await sizer.done();
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
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let ended = false;
  try {
    while (head.length < 4) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      head = Buffer.concat([head, next.value]);
    }
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled; the store is unchanged.');
    throw e;
  }
  const compression: Compression =
    head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : 'none';
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
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
  const scan = await scanPipeline(Readable.from(replay(), { objectMode: false }), compression, out, what, signal);
  return { ...scan, tarPath: out };
}

/** The sha256 and the entry-size sum of an uncompressed tar in the store, in one read. */
export async function measureTar(file: string, what: string, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
  const scan = await scanPipeline(createReadStream(file), 'none', undefined, what, signal);
  return { digest: scan.blobDigest, size: scan.size };
}
