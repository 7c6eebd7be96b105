// One pass over a layer blob: hash it as stored (the distribution digest), decompress it (gzip or zstd), hash
// the tar (the diff ID), walk its entries for the layer size, and keep the uncompressed tar on disk.
// Nothing is held in memory beyond a chunk.
import { createHash } from 'crypto';
import { createReadStream, createWriteStream } from 'fs';
import { Readable, Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { BackendError, isSystemError, userMessage } from '../backend';
import * as path from 'path';
import type { Compression } from '../../core/compression';
import { bombCheck, decompressor, sniffFile, sniffStream } from '../codec';
import type { CompressedBlob } from './distribution';
import { inflationGuard } from './space-guard';
import { TarWalker } from './tar-walker';

export interface ScannedLayer {
  /** sha256 of the blob as found (compressed or not). */
  blobDigest: string;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  /** Sum of the tar entries' sizes: what the engine records as the layer's size. */
  size: number;
  /** How the blob was compressed, from its bytes: what a push labels it, when it sends this blob again. */
  compression: Compression;
  /** The uncompressed tar: `out` when the blob was compressed, else the blob itself. */
  tarPath: string;
}

/** The blob as the distribution mapping records it, when it came compressed. */
export function compressedBlob(scan: Pick<ScannedLayer, 'blobDigest' | 'compression'>): CompressedBlob | undefined {
  return scan.compression === 'none' ? undefined : { digest: scan.blobDigest, compression: scan.compression };
}

/**
 * Buffer between the stages of a scan: several 1 MiB chunks, so that the file system reads ahead and writes
 * behind (in the thread pool) while this thread hashes, instead of each stage waiting on the next.
 */
export const STAGE_BUFFER = 8 << 20;

export function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/** The sum of a tar's entry sizes, walked as its bytes pass; `error` says why they are not a tar, once found. */
export class TarSizer {
  size = 0;
  error: Error | undefined;
  private readonly walker = new TarWalker((header) => {
    this.size += header.size;
  });

  feed(bytes: Buffer): void {
    this.guard(() => this.walker.feed(bytes));
  }

  /** The size, or the error, once the bytes have ended. */
  finish(): number {
    this.guard(() => this.walker.finish());
    if (this.error) throw this.error;
    return this.size;
  }

  /** Runs a step of the walk unless one failed already, keeping the first failure. */
  private guard(step: () => void): void {
    if (this.error) return;
    try {
      step();
    } catch (e) {
      this.error = e instanceof Error ? e : new Error(String(e));
    }
  }
}

/** A pass-through that walks the tar on the side, and fails as soon as the bytes are no tar. */
export function sizing(sizer: TarSizer): Transform {
  return new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _e, cb) {
      sizer.feed(chunk);
      cb(sizer.error ?? null, chunk);
    },
    flush(cb) {
      try {
        sizer.finish();
      } catch (e) {
        return cb(e as Error);
      }
      cb();
    },
  });
}

/**
 * Gathers small chunks (a socket's 16-64 KiB) into pieces of at least `size` bytes: the inflater then takes one
 * trip to zlib's thread per piece instead of one per packet.
 */
export function gathering(size: number): Transform {
  let held: Buffer[] = [];
  let bytes = 0;
  return new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _e, cb) {
      held.push(chunk);
      bytes += chunk.length;
      if (bytes < size) return cb();
      const piece = held.length === 1 ? held[0] : Buffer.concat(held, bytes);
      held = [];
      bytes = 0;
      cb(null, piece);
    },
    flush(cb) {
      cb(null, bytes ? Buffer.concat(held, bytes) : undefined);
    },
  });
}

function sink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

/** One pass over a blob stream; `out` receives the uncompressed tar when given. */
export async function scanPipeline(
  source: Readable,
  compression: Compression,
  out: string | undefined,
  what: string,
  signal?: AbortSignal,
): Promise<Omit<ScannedLayer, 'tarPath'>> {
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  const sizer = new TarSizer();
  const stages: (Readable | Transform | Writable)[] = [source, hashing(blobHash)];
  if (compression !== 'none') {
    // 1 MiB of output per call on zlib's thread: at 16 KiB, the callbacks and their buffers cost this thread more
    // than the hashing does.
    const inflate = decompressor(compression, { check: bombCheck(what), chunkSize: 1 << 20 });
    stages.push(gathering(256 << 10), inflate.stream, inflationGuard(inflate, out ? path.dirname(out) : '.', what), hashing(diffHash));
  }
  stages.push(sizing(sizer), out ? createWriteStream(out, { flags: 'wx', highWaterMark: STAGE_BUFFER }) : sink());
  try {
    await pipeline(stages as unknown as [Readable, ...Writable[]], { signal });
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'The load was cancelled; the store is unchanged.');
    if (BackendError.is(e)) throw e;
    throw notALayer(what, e);
  }
  const size = sizer.size;
  const blobDigest = 'sha256:' + blobHash.digest('hex');
  return {
    blobDigest,
    diffId: compression !== 'none' ? 'sha256:' + diffHash.digest('hex') : blobDigest,
    size,
    compression,
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
  const compression = await sniffFile(blob);
  const writeOut = compression !== 'none' || options.copy === true;
  const scan = await scanPipeline(createReadStream(blob), compression, writeOut ? out : undefined, what, options.signal);
  return { ...scan, tarPath: writeOut ? out : blob };
}

/**
 * Scans a layer blob arriving as a stream (a registry's answer), telling its compression by its first
 * bytes, and writes the uncompressed tar to `out`.
 */
export async function scanLayerStream(source: Readable, out: string, what: string, signal?: AbortSignal): Promise<ScannedLayer> {
  let sniffed: { kind: Compression; rest: Readable };
  try {
    sniffed = await sniffStream(source);
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled; the store is unchanged.');
    throw e;
  }
  const scan = await scanPipeline(sniffed.rest, sniffed.kind, out, what, signal);
  return { ...scan, tarPath: out };
}

/** JSON (a config or manifest), not a layer: no tar walk for it. */
export function looksLikeJson(head: Buffer): boolean {
  for (const b of head.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b || b === 0x5b;
  }
  return false;
}

export function notALayer(what: string, e: unknown): BackendError {
  const msg = userMessage(e);
  // A file that cannot be read or written (a full disk, a failing drive) says nothing about the layer's bytes.
  if (isSystemError(e)) return new BackendError('failed', `${what} could not be read or staged (${msg}).`, msg);
  return new BackendError('corrupt', `${what} is not a valid layer tar (${msg}).`, msg);
}

/** The sha256 and the entry-size sum of an uncompressed tar in the store, in one read. */
export async function measureTar(file: string, what: string, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
  const scan = await scanPipeline(createReadStream(file), 'none', undefined, what, signal);
  return { digest: scan.blobDigest, size: scan.size };
}
