// One archive entry copied into the staging folder as the archive walk hands over its bytes, and scanned as a
// layer on the way: sha256 of the bytes, and for a tar the entry-size sum, for gzip or zstd the uncompressed tar
// (written instead of the blob), its diff ID and size. Whether an entry is a layer is only known from the
// manifest, read later, so every entry that is not JSON is scanned, and a failed scan of a plain entry is kept,
// not thrown.
import { createHash } from 'crypto';
import { createWriteStream, promises as fs } from 'fs';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { BackendError, userMessage } from '../backend';
import * as path from 'path';
import { compressionOf } from '../../core/compression';
import { bombCheck, decompressor, type Decompressor } from '../codec';
import { inflationGuard } from './space-guard';
import { hashing, looksLikeJson, notALayer, scanPipeline, sizing, STAGE_BUFFER, TarSizer, type ScannedLayer } from './layer-scan';

export interface StagedEntry {
  /** The scan of the entry as a layer; absent when it is not a layer (JSON). */
  scan?: ScannedLayer;
  /** Why the entry is not a readable layer, when it looked like one. */
  scanError?: string;
}

/** Entries up to this size are gathered in memory and written with one call; larger ones are written piece by piece. */
const SMALL_ENTRY = 1 << 20;
/** Bytes enough to tell gzip, zstd and JSON from a tar. */
const HEAD = 64;

type Mode = 'gather' | 'copy' | 'tar' | 'inflate';

export class EntryStager {
  private mode: Mode = 'gather';
  private head: Buffer;
  private headFill = 0;
  private readonly blobHash = createHash('sha256');
  private readonly sizer = new TarSizer();
  private file: Promise<fs.FileHandle> | undefined;
  private offset = 0;
  private readonly writes: Promise<void>[] = [];
  private inflate: { input: Decompressor['stream']; kind: 'gzip' | 'zstd'; closed: Promise<void>; done: Promise<void>; diffHash: ReturnType<typeof createHash> } | undefined;
  /** The first failure of work running behind the walk (a write, the decompressor). */
  failure: unknown;

  /**
   * `write(out, bytes)`: how a small entry is written (the caller may run several at once); it must create
   * `out` exclusively.
   */
  constructor(
    private readonly size: number,
    private readonly out: string,
    private readonly what: string,
    private readonly write: (file: string, data: Buffer) => Promise<void>,
    private readonly signal?: AbortSignal,
  ) {
    this.head = Buffer.allocUnsafe(size <= SMALL_ENTRY ? size : HEAD);
  }

  /** The entry's next bytes, a view into a buffer that is reused once the returned work (if any) settles. */
  data(bytes: Buffer): Promise<unknown> | undefined {
    if (this.mode === 'gather') {
      const n = Math.min(this.head.length - this.headFill, bytes.length);
      bytes.copy(this.head, this.headFill, 0, n);
      this.headFill += n;
      if (this.headFill < this.head.length || this.size <= SMALL_ENTRY) return undefined;
      this.start();
      this.pass(this.head);
      return n < bytes.length ? this.pass(bytes.subarray(n)) : undefined;
    }
    return this.pass(bytes);
  }

  /** Called once every byte has been handed over. */
  async end(): Promise<StagedEntry> {
    if (this.size <= SMALL_ENTRY) return this.endSmall();
    await Promise.all(this.writes);
    if (this.file) await (await this.file).close();
    if (this.inflate) {
      this.inflate.input.end();
      await this.inflate.done;
    }
    if (this.failure) throw this.failure;
    if (this.mode === 'copy') return {};
    if (this.inflate) {
      const diffId = 'sha256:' + this.inflate.diffHash.digest('hex');
      const blobDigest = 'sha256:' + this.blobHash.digest('hex');
      return { scan: { blobDigest, diffId, size: this.sizer.finish(), compression: this.inflate.kind, tarPath: this.out } };
    }
    return this.plainScan();
  }

  /** A plain entry's scan from the hash and the tar walk fed so far, or why its bytes are no tar. */
  private plainScan(): StagedEntry {
    const digest = 'sha256:' + this.blobHash.digest('hex');
    try {
      return { scan: { blobDigest: digest, diffId: digest, size: this.sizer.finish(), compression: 'none', tarPath: this.out } };
    } catch (e) {
      return { scanError: userMessage(e) };
    }
  }

  /** Stops the work running behind the walk (the load failed elsewhere). */
  async abandon(): Promise<void> {
    this.inflate?.input.destroy();
    await Promise.allSettled([...this.writes, this.inflate?.done]);
    await this.file?.then((handle) => handle.close()).catch(() => undefined);
  }

  private start(): void {
    const compression = compressionOf(this.head);
    if (looksLikeJson(this.head)) this.mode = 'copy';
    else if (compression !== 'none') {
      this.mode = 'inflate';
      const inflate = decompressor(compression, { check: bombCheck(this.what) });
      const input = inflate.stream;
      const diffHash = createHash('sha256');
      const output = createWriteStream(this.out, { flags: 'wx', highWaterMark: STAGE_BUFFER });
      const guard = inflationGuard(inflate, path.dirname(this.out), this.what);
      const done = pipeline([input, guard, hashing(diffHash), sizing(this.sizer), output], { signal: this.signal }).catch((e: unknown) => {
        this.failure ??= this.signal?.aborted || BackendError.is(e) ? e : notALayer(this.what, e);
      });
      // A decompressor that failed drops the callbacks of the writes it was given.
      const closed = new Promise<void>((resolve) => input.once('close', () => resolve()));
      this.inflate = { input, kind: compression, closed, done, diffHash };
    } else this.mode = 'tar';
  }

  private pass(bytes: Buffer): Promise<unknown> | undefined {
    if (this.mode === 'copy') return this.writeAt(bytes);
    this.blobHash.update(bytes);
    if (this.mode === 'tar') {
      this.sizer.feed(bytes);
      return this.writeAt(bytes);
    }
    const { input, closed } = this.inflate as NonNullable<EntryStager['inflate']>;
    // Settles once zlib has read the bytes, so the buffer under them can be reused.
    return Promise.race([new Promise<void>((resolve) => input.write(bytes, () => resolve())), closed]);
  }

  private writeAt(bytes: Buffer): Promise<void> {
    const at = this.offset;
    this.offset += bytes.length;
    this.file ??= fs.open(this.out, 'wx');
    const written = this.file
      .then(async (handle) => {
        for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done, at + done)).bytesWritten;
      })
      .catch((e: unknown) => {
        this.failure ??= e;
      });
    this.writes.push(written);
    return written;
  }

  private async endSmall(): Promise<StagedEntry> {
    const buf = this.head;
    const compression = compressionOf(buf);
    if (compression !== 'none') {
      const scan = await scanPipeline(Readable.from([buf]), compression, this.out, this.what, this.signal);
      return { scan: { ...scan, tarPath: this.out } };
    }
    await this.write(this.out, buf);
    if (looksLikeJson(buf)) return {};
    this.blobHash.update(buf);
    this.sizer.feed(buf);
    return this.plainScan();
  }
}
