// The file list of a layer: its uncompressed tar read with tar-stream into entries (path, type, size, mode,
// linkname, a hash of each file's contents), the file bodies hashed as they pass, so memory holds the list and
// never a file. Lists are cached
// per diff ID (the same diff ID is the same bytes, whatever the image or backend).
import { createHash } from 'crypto';
import * as tar from 'tar-stream';
import { efficiency, type EfficiencyReport } from '../core/efficiency';
import { cleanPath, type EntryType, type LayerEntry } from '../core/filetree';
import { layerWaste, type LayerWaste } from '../core/layer-waste';
import type { LayerPackageDbs } from '../core/packages/model';
import { packageFileKind } from '../core/packages/paths';
import { BackendError, type ImageSource } from './backend';
import { limits } from './limits';
import { readPackageDbs, type KeptFile } from './package-dbs';

export interface LayerContents {
  entries: LayerEntry[];
  /** Sum of the entries' sizes: the layer's size as the engine and dive count it. */
  size: number;
  /** Entries left out: the root itself, names too long to be real. */
  skipped: number;
  /** Set when the tar ended early or broke: the sentence says why; the entries are those read before. */
  truncated?: string;
  /** The package databases the layer wrote or removed, read in the same pass (package-dbs.ts); absent when none. */
  packages?: LayerPackageDbs;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called every few thousand entries. */
  onEntries?: (count: number) => void;
  /** Stop after this many entries (the list is then marked truncated). */
  maxEntries?: number;
}

/** Longer names are not real files; they would only cost memory. */
const MAX_PATH = 4096;
export const MAX_ENTRIES = 1_000_000;
/** Package files kept from one layer: a system has a few thousand packages, each with one file list. */
const MAX_KEPT_FILES = 50_000;

function entryType(type: string | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

function finiteSize(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** A tar header as a layer entry; undefined for the root itself and for names too long to be real. */
export function layerEntryOf(header: { name?: string; type?: string | null; size?: number; mode?: number; linkname?: string | null }): LayerEntry | undefined {
  const raw = header.name ?? '';
  const path = raw.length > MAX_PATH ? '' : cleanPath(raw);
  if (!path) return undefined;
  const entry: LayerEntry = { path, type: entryType(header.type), size: finiteSize(header.size), mode: (header.mode ?? 0) & 0o7777 };
  if (header.linkname) entry.linkname = header.linkname.length > MAX_PATH ? header.linkname.slice(0, MAX_PATH) + '…' : header.linkname;
  return entry;
}

/**
 * Reads a layer's uncompressed tar stream into its entries, and the package databases among them. Cancelled by
 * `signal` (BackendError 'cancelled').
 */
export async function readLayerEntries(stream: NodeJS.ReadableStream, options: ReadOptions = {}): Promise<LayerContents> {
  const kept: KeptFile[] = [];
  const contents = await readEntries(stream, kept, options);
  const packages = await readPackageDbs(kept, contents.entries);
  if (packages) contents.packages = packages;
  return contents;
}

function readEntries(stream: NodeJS.ReadableStream, kept: KeptFile[], options: ReadOptions): Promise<LayerContents> {
  const { signal } = options;
  let keptBytes = 0;
  const max = options.maxEntries ?? MAX_ENTRIES;
  const result: LayerContents = { entries: [], size: 0, skipped: 0 };
  return new Promise<LayerContents>((resolve, reject) => {
    const extract = tar.extract();
    let settled = false;
    const source = stream as NodeJS.ReadableStream & { destroy?: (e?: Error) => void };
    const stop = () => {
      source.unpipe?.(extract as unknown as NodeJS.WritableStream);
      source.destroy?.();
      extract.destroy();
    };
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        stop();
        reject(error);
      } else {
        resolve(result);
      }
    };
    const finishEarly = (why: string) => {
      if (settled) return;
      result.truncated = why;
      settle();
      stop();
    };
    const onAbort = () => settle(new BackendError('cancelled', 'Reading the layer was cancelled.'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);

    extract.on('entry', (header, body, next) => {
      const entry = layerEntryOf(header);
      if (entry && result.entries.length >= max) {
        // Only an entry past the limit makes the layer one of "more than" max.
        body.resume();
        finishEarly(`The layer has more than ${max.toLocaleString('en-US')} entries; only the first are listed.`);
        return;
      }
      if (!entry) {
        result.skipped++;
      } else {
        result.entries.push(entry);
        result.size += entry.size;
        if (result.entries.length % 5000 === 0) options.onEntries?.(result.entries.length);
      }
      const file = entry?.type === 'file' && entry.size > 0 ? entry : undefined;
      if (file) {
        const hash = createHash('sha256');
        body.on('data', (c) => hash.update(c as Buffer));
        const kind = packageFileKind(file.path);
        // A count bound beside the byte bound: a million tiny file lists would cost memory for their records alone.
        if (kind && kept.length < MAX_KEPT_FILES) {
          // Package databases are small: their bytes are kept, up to a bound, for package-dbs.ts.
          const fits = file.size <= limits.packageDbMaxBytes && keptBytes + file.size <= limits.packageFilesMaxBytes;
          const keep: KeptFile = fits ? { path: file.path, kind } : { path: file.path, kind, tooLarge: file.size };
          kept.push(keep);
          if (fits) {
            keptBytes += file.size;
            const chunks: Buffer[] = [];
            body.on('data', (c) => chunks.push(c as Buffer));
            body.on('end', () => (keep.bytes = Buffer.concat(chunks)));
          }
        }
        body.on('end', () => {
          file.contentHash = hash.digest('base64').slice(0, 22);
          next();
        });
      } else body.on('end', () => next());
      body.on('error', () => undefined);
      body.resume();
    });
    extract.on('finish', () => settle());
    extract.on('error', (e: Error) => {
      if (settled) return;
      // A broken or cut-off tar still shows what could be read.
      finishEarly(`The layer's tar is damaged after ${result.entries.length.toLocaleString('en-US')} entries (${e.message}).`);
    });
    source.on('error', (e: Error) => {
      if (settled) return;
      if (signal?.aborted) return onAbort();
      if (BackendError.is(e)) return settle(e);
      finishEarly(`Reading the layer failed after ${result.entries.length.toLocaleString('en-US')} entries (${e.message}).`);
    });
    source.pipe(extract as unknown as NodeJS.WritableStream);
  });
}

interface Pending {
  promise: Promise<LayerContents>;
  waiters: number;
  abort: AbortController;
}

/**
 * Layer file lists by diff ID, at most `maxEntries` entries in all (least recently used dropped first; the
 * newest is always kept). Two callers asking for the same layer share one read, which stops only when every
 * caller has given up.
 */
export class LayerContentsCache {
  private readonly done = new Map<string, LayerContents>();
  private readonly pending = new Map<string, Pending>();
  private held = 0;

  constructor(private readonly maxEntries = 2_000_000) {}

  get(diffId: string): LayerContents | undefined {
    const hit = this.done.get(diffId);
    if (hit) {
      this.done.delete(diffId);
      this.done.set(diffId, hit);
    }
    return hit;
  }

  async load(backend: ImageSource, ref: string, diffId: string, options: ReadOptions = {}): Promise<LayerContents> {
    const hit = this.get(diffId);
    if (hit) return hit;
    let p = this.pending.get(diffId);
    if (!p) {
      const abort = new AbortController();
      const promise = (async () => {
        const stream = await backend.layerTar(ref, diffId, abort.signal);
        return readLayerEntries(stream, { signal: abort.signal, onEntries: options.onEntries, maxEntries: options.maxEntries });
      })();
      const made: Pending = { promise, waiters: 0, abort };
      p = made;
      this.pending.set(diffId, made);
      promise.then(
        (contents) => {
          if (this.pending.get(diffId) === made) this.pending.delete(diffId);
          this.keep(diffId, contents);
        },
        () => {
          if (this.pending.get(diffId) === made) this.pending.delete(diffId);
        },
      );
    }
    return this.wait(diffId, p, options.signal);
  }

  private wait(diffId: string, p: Pending, signal?: AbortSignal): Promise<LayerContents> {
    if (signal?.aborted) return Promise.reject(new BackendError('cancelled', 'Reading the layer was cancelled.'));
    p.waiters++;
    return new Promise<LayerContents>((resolve, reject) => {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        p.waiters--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        if (p.waiters === 0) {
          p.abort.abort();
          if (this.pending.get(diffId) === p) this.pending.delete(diffId);
        }
        reject(new BackendError('cancelled', 'Reading the layer was cancelled.'));
      };
      signal?.addEventListener('abort', onAbort);
      p.promise.then(
        (v) => {
          leave();
          resolve(v);
        },
        (e) => {
          leave();
          reject(e);
        },
      );
    });
  }

  /** Keeps contents read elsewhere (several layers in one pass). */
  put(diffId: string, contents: LayerContents): void {
    this.keep(diffId, contents);
  }

  private keep(diffId: string, contents: LayerContents): void {
    if (this.done.has(diffId)) return;
    this.done.set(diffId, contents);
    this.held += contents.entries.length;
    for (const [key, value] of this.done) {
      if (this.held <= this.maxEntries || key === diffId) break;
      this.done.delete(key);
      this.held -= value.entries.length;
    }
  }

  clear(): void {
    this.done.clear();
    this.held = 0;
  }
}

export interface LayersOptions {
  signal?: AbortSignal;
  onProgress?: (p: { message: string; fraction?: number }) => void;
}

/**
 * The entries of several layers of an image, bottom first, with progress: in one pass when the backend reads
 * layers that way (an engine, where each layer alone costs a `docker save`), else one after another.
 */
export async function readImageLayers(
  backend: ImageSource,
  ref: string,
  diffIds: readonly string[],
  cache: LayerContentsCache,
  options: LayersOptions = {},
): Promise<LayerContents[]> {
  const missing = [...new Set(diffIds.filter((d) => !cache.get(d)))];
  let batch = new Map<string, LayerContents>();
  if (backend.readLayers && missing.length > 1) {
    let done = 0;
    options.onProgress?.({ message: `Reading ${missing.length} layers`, fraction: 0 });
    batch = await backend.readLayers(
      ref,
      missing,
      async (tar) => {
        const contents = await readLayerEntries(tar, { signal: options.signal });
        // Docker 20.10's archives name layers by v1 ID: a layer not asked for may be read too, and count.
        done++;
        options.onProgress?.({ message: `${done} layer${done === 1 ? '' : 's'} read`, fraction: Math.min(1, done / missing.length) });
        return contents;
      },
      options.signal,
    );
    for (const [diffId, contents] of batch) cache.put(diffId, contents);
  }
  const out: LayerContents[] = [];
  for (let i = 0; i < diffIds.length; i++) {
    const known = cache.get(diffIds[i]) ?? batch.get(diffIds[i]);
    if (!known) options.onProgress?.({ message: `Layer ${i + 1} of ${diffIds.length}`, fraction: i / diffIds.length });
    out.push(
      known ??
        (await cache.load(backend, ref, diffIds[i], {
          signal: options.signal,
          onEntries: (n) => options.onProgress?.({ message: `Layer ${i + 1} of ${diffIds.length}: ${n.toLocaleString('en-US')} entries` }),
        })),
    );
  }
  options.onProgress?.({ message: 'Done', fraction: 1 });
  return out;
}

const sharedCache = new LayerContentsCache();

/** The cache the extension shares between its panels. */
export function layerContentsCache(): LayerContentsCache {
  return sharedCache;
}

type ImageLayersOptions = LayersOptions & { cache?: LayerContentsCache };

/** Every layer's entries of an image, bottom first (through the cache), and what could not be read whole. */
async function imageLayerEntries(backend: ImageSource, ref: string, options: ImageLayersOptions) {
  const inspect = await backend.inspectImage(ref);
  const diffIds = inspect.RootFS?.Layers ?? [];
  const layers = await readImageLayers(backend, ref, diffIds, options.cache ?? sharedCache, options);
  const truncated = layers.flatMap((l, i) => (l.truncated ? [`Layer ${i + 1}: ${l.truncated}`] : []));
  return { diffIds, entries: layers.map((l) => l.entries), truncated };
}

/** dive's efficiency report for an image: reads every layer (through the cache) and scores it. */
export async function imageEfficiency(
  backend: ImageSource,
  ref: string,
  options: ImageLayersOptions = {},
): Promise<EfficiencyReport & { truncated: string[] }> {
  const { entries, truncated } = await imageLayerEntries(backend, ref, options);
  return { ...efficiency(entries), truncated };
}

/** Each layer's dead bytes (core/layer-waste.ts), by diff ID order, bottom first. */
export async function imageLayerWaste(
  backend: ImageSource,
  ref: string,
  options: ImageLayersOptions = {},
): Promise<{ diffIds: string[]; waste: LayerWaste[]; truncated: string[] }> {
  const { diffIds, entries, truncated } = await imageLayerEntries(backend, ref, options);
  return { diffIds, waste: layerWaste(entries), truncated };
}
