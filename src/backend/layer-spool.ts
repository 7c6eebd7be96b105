// Engine layers kept on disk, uncompressed, as they pass during a scan: an engine hands a layer out only inside a
// `docker save` of the whole image (gzip or zstd inflated on the way), so without a copy every file opened would
// cost that again. A plain copy beats a gzip seek index here: the bytes are already inflated when they pass, a
// read is one positional read, and the copy is bounded (limits.layerSpoolBytes, least recently used removed).
import { mkdtempSync, rmSync } from 'fs';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { limits } from './limits';

const SPOOL_WRITE_BYTES = 1 << 20;

/** One layer being written; `keep` gives its file once whole, `discard` removes it. */
export interface SpoolWriter {
  write(chunk: Buffer): Promise<void>;
  keep(): Promise<string | undefined>;
  discard(): Promise<void>;
}

/** Spool folders of this process: copies of image layers are its alone, and go with it. */
const folders = new Set<string>();
let hooked = false;

function removeOnExit(dir: string): void {
  folders.add(dir);
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });
}

export class LayerSpool {
  private dir: string | undefined;
  /** Kept files and their sizes, least recently used first. */
  private readonly kept = new Map<string, number>();
  private held = 0;
  private next = 0;

  constructor(private readonly parent = os.tmpdir()) {}

  private folder(): string {
    if (!this.dir) {
      const dir = mkdtempSync(path.join(this.parent, 'image-layers-spool-'));
      this.dir = dir;
      removeOnExit(dir);
    }
    return this.dir;
  }

  /** A writer for one layer; one larger than the whole budget is given up as soon as it passes it. */
  writer(): SpoolWriter {
    const file = path.join(this.folder(), `layer-${process.pid}-${++this.next}.tar`);
    let handle: Promise<fs.FileHandle> | undefined;
    let written = 0;
    let over = false;
    // Chunks (tens of KiB each) are gathered into writes of about 1 MiB, one in flight while the next gathers:
    // a write per chunk held the reader, and so the engine's save, for a thread-pool round trip each.
    let gathered: Buffer[] = [];
    let gatheredBytes = 0;
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const chunks = gathered;
      const size = gatheredBytes;
      gathered = [];
      gatheredBytes = 0;
      const previous = writing;
      writing = (async () => {
        await previous;
        if (!size) return;
        handle ??= fs.open(file, 'wx');
        const { bytesWritten } = await (await handle).writev(chunks);
        if (bytesWritten !== size) throw new Error(`only ${bytesWritten} of ${size} bytes could be written to ${file}`);
      })();
      writing.catch(() => undefined); // surfaces at the next write, keep or discard
      await previous;
    };
    const close = async () => {
      const h = handle;
      handle = undefined;
      if (h) await (await h).close().catch(() => undefined);
    };
    const discard = async () => {
      gathered = [];
      gatheredBytes = 0;
      await writing.catch(() => undefined);
      await close();
      await fs.rm(file, { force: true });
    };
    return {
      // The chunk is held until written: the caller must not reuse its memory.
      write: async (chunk) => {
        if (over) return;
        if (written + chunk.length > limits.layerSpoolBytes) {
          over = true;
          return discard();
        }
        gathered.push(chunk);
        gatheredBytes += chunk.length;
        written += chunk.length;
        if (gatheredBytes >= SPOOL_WRITE_BYTES) await flush();
      },
      keep: async () => {
        if (over) return undefined;
        await flush();
        await writing;
        if (!handle) await fs.writeFile(file, Buffer.alloc(0));
        await close();
        this.add(file, written);
        return file;
      },
      discard,
    };
  }

  /** Marks a kept file as just used, so that it is removed last. */
  touch(file: string): void {
    const size = this.kept.get(file);
    if (size === undefined) return;
    this.kept.delete(file);
    this.kept.set(file, size);
  }

  /** Bytes held on disk now. */
  get bytes(): number {
    return this.held;
  }

  private add(file: string, size: number): void {
    this.kept.set(file, size);
    this.held += size;
    for (const [old, oldSize] of this.kept) {
      if (this.held <= limits.layerSpoolBytes || old === file) break;
      this.kept.delete(old);
      this.held -= oldSize;
      void fs.rm(old, { force: true });
    }
  }

  /** Removes a kept file (its layer's list was dropped from the cache). */
  release(file: string): void {
    const size = this.kept.get(file);
    if (size === undefined) return;
    this.kept.delete(file);
    this.held -= size;
    void fs.rm(file, { force: true });
  }
}
