// The one place that turns compressed layer bytes into a tar and back: gzip through zlib, zstd through zlib
// where Node has it (22.15+) and otherwise through fzstd (pure JS, decompress only), and gzip for compressing,
// since Node 20 has no zstd compressor. What kind a blob is comes from its bytes (core/compression).
import { promises as fs } from 'fs';
import { Transform, type TransformCallback } from 'stream';
import * as zlib from 'zlib';
import { Decompress } from 'fzstd';
import { compressionOf, MAGIC_BYTES, type Compression } from '../core/compression';

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
