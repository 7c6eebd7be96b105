// The one place that turns compressed layer bytes into a tar and back: gzip through zlib, zstd through zlib
// where Node has it (22.15+) and otherwise through fzstd (pure JS, decompress only), and gzip for compressing,
// since Node 20 has no zstd compressor. What kind a blob is comes from its bytes (core/compression).
import { promises as fs } from 'fs';
import { Readable, Transform, type TransformCallback } from 'stream';
import * as zlib from 'zlib';
import { Decompress } from 'fzstd';
import { compressionOf, MAGIC_BYTES, type Compression } from '../core/compression';
import { formatBytes } from '../core/format';
import { BackendError } from './backend';
import { limits } from './limits';

export type { Compression } from '../core/compression';

/** A decompressing stream and the compressed bytes it has consumed so far (for the bomb guard's ratio). */
export interface Decompressor {
  stream: Transform;
  consumed(): number;
}

/** Says why the output so far is refused (a bomb), or undefined; called as output grows. */
export type OutputCheck = (output: number, consumed: number) => Error | undefined;

type ZlibStream = Transform & { bytesWritten: number };
type ZstdFactory = (options?: zlib.ZlibOptions) => ZlibStream;

/** Node's own zstd decompressor, where this Node has one. */
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;

/** Whether zstd is decompressed by Node's zlib here (else by fzstd). */
export const zstdIsNative = typeof nativeZstd === 'function';

/** How a file is compressed, from its first bytes. */
export async function sniffFile(file: string): Promise<Compression> {
  const handle = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(MAGIC_BYTES);
    const { bytesRead } = await handle.read(b, 0, MAGIC_BYTES, 0);
    return compressionOf(b.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** How a stream is compressed, from its first bytes, and a stream of all of it, those bytes included. */
export async function sniffStream(source: AsyncIterable<Buffer>): Promise<{ kind: Compression; rest: Readable }> {
  const { head, rest } = await peek(source, MAGIC_BYTES);
  return { kind: compressionOf(head), rest };
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

/**
 * A stream that decompresses `kind`. `check` is asked as output grows where the decompressor could produce a
 * lot at once from one small chunk (fzstd inflates a whole chunk in one call); zlib streams yield in pieces, and
 * the pass-through guard after them (space-guard.ts) sees each.
 */
export function decompressor(kind: Exclude<Compression, 'none'>, options: { chunkSize?: number; check?: OutputCheck } = {}): Decompressor {
  const zlibOptions = options.chunkSize ? { chunkSize: options.chunkSize } : {};
  if (kind === 'gzip' || nativeZstd) {
    const stream = kind === 'gzip' ? zlib.createGunzip(zlibOptions) : (nativeZstd as ZstdFactory)(zlibOptions);
    return { stream, consumed: () => stream.bytesWritten };
  }
  const stream = new ZstdDecompressStream(options.check);
  return { stream, consumed: () => stream.consumed };
}

/** Refuses output past limits.bombMinBytes that outgrows the compressed bytes consumed by more than limits.bombRatio. */
export function bombCheck(what: string): OutputCheck {
  return (output, input) => {
    if (output <= limits.bombMinBytes || output <= limits.bombRatio * Math.max(1, input)) return undefined;
    return new BackendError(
      'invalid-input',
      `${what} inflates to more than ${limits.bombRatio} times its compressed size (${formatBytes(output)} from ${formatBytes(input)} so far), far beyond any real layer: refused as a compression bomb; the store is unchanged.`,
    );
  };
}

/**
 * A layer's tar from a stream that may be compressed (a blob of an OCI layout, as Docker with the containerd
 * image store saves them): decompressed and checked for bombs when its first bytes say so, else as it is.
 */
export async function tarOf(source: AsyncIterable<Buffer>, what: string): Promise<{ kind: Compression; tar: Readable }> {
  const { kind, rest } = await sniffStream(source);
  if (kind === 'none') return { kind, tar: rest };
  const inflate = decompressor(kind, { check: bombCheck(what), chunkSize: 256 << 10 });
  const guard = bombGuard(inflate, what);
  rest.on('error', (e) => inflate.stream.destroy(e));
  inflate.stream.on('error', (e) => guard.destroy(e));
  return { kind, tar: rest.pipe(inflate.stream).pipe(guard) };
}

/** A pass-through placed after a decompressor that stops its output once it is a bomb (bombCheck). */
export function bombGuard(inflate: Decompressor, what: string): Transform {
  const check = bombCheck(what);
  let output = 0;
  // Room for a few MiB between the inflater (zlib's thread) and the reader (this one): each works while the
  // other does, instead of taking turns at every 16 KiB.
  return new Transform({
    readableHighWaterMark: 8 << 20,
    writableHighWaterMark: 8 << 20,
    transform(chunk: Buffer, _e, done) {
      output += chunk.length;
      done(check(output, inflate.consumed()) ?? null, chunk);
    },
  });
}

/** gzip at the default level, as the engine compresses: the same tar always gives the same blob. */
export function gzipCompressor(): Transform {
  return zlib.createGzip({ level: 6 });
}

/** fzstd as a Node stream; its errors (a truncated or damaged frame) fail the stream. */
class ZstdDecompressStream extends Transform {
  consumed = 0;
  private produced = 0;
  private refused: Error | undefined;
  private readonly inner: Decompress;

  constructor(private readonly check?: OutputCheck) {
    super();
    this.inner = new Decompress((block) => {
      if (!block.length) return;
      this.produced += block.length;
      this.refused = this.check?.(this.produced, this.consumed);
      // Thrown out of push(): stops the frame here, before a bomb's next block is made.
      if (this.refused) throw this.refused;
      this.push(Buffer.from(block.buffer, block.byteOffset, block.length));
    });
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.consumed += chunk.length;
    // fzstd keeps references to input it has not used yet; callers reuse their buffers, so it gets a copy.
    this.run(() => this.inner.push(new Uint8Array(chunk)), done);
  }

  override _flush(done: TransformCallback): void {
    this.run(() => this.inner.push(new Uint8Array(0), true), done);
  }

  private run(step: () => void, done: TransformCallback): void {
    try {
      step();
    } catch (e) {
      return done(this.refused ?? zstdError(e));
    }
    done();
  }
}

function zstdError(e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return new Error(`the zstd data is damaged or cut short (${msg})`);
}
