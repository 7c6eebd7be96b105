// The file list of a layer: its uncompressed tar walked into entries (path, type, size, mode,
// linkname, a hash of each file's contents), the file bodies hashed as they pass, so memory holds the list and
// never a file. Lists are cached
// per diff ID (the same diff ID is the same bytes, whatever the image or backend).
import { createHash } from 'crypto';
import { efficiency, type EfficiencyReport } from '../core/efficiency';
import { cleanPath, type EntryType, type LayerEntry } from '../core/filetree';
import { layerWaste, type LayerWaste } from '../core/layer-waste';
import { BackendError, type ImageSource } from './backend';
import { TarWalker, type TarEntryType } from './store/tar-walker';

export interface LayerContents {
  entries: LayerEntry[];
  /** Sum of the entries' sizes: the layer's size as the engine and dive count it. */
  size: number;
  /** Entries left out: the root itself, names too long to be real. */
  skipped: number;
  /** Set when the tar ended early or broke: the sentence says why; the entries are those read before. */
  truncated?: string;
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

function entryType(type: TarEntryType): EntryType {
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

/**
 * Reads a layer's uncompressed tar stream into its entries. Cancelled by `signal` (BackendError 'cancelled').
 * The tar is walked block by block as chunks arrive (store/tar-walker.ts), with no stream per entry: the
 * listing keeps up with the inflater, which runs on another thread (docs/benchmarks.md, *scan*).
 */
export async function readLayerEntries(stream: NodeJS.ReadableStream, options: ReadOptions = {}): Promise<LayerContents> {
  const { signal } = options;
  const max = options.maxEntries ?? MAX_ENTRIES;
  const result: LayerContents = { entries: [], size: 0, skipped: 0 };
  const source = stream as NodeJS.ReadableStream & { destroy?: (e?: Error) => void };
  const cancelled = () => new BackendError('cancelled', 'Reading the layer was cancelled.');
  if (signal?.aborted) {
    source.destroy?.();
    throw cancelled();
  }
  let full = false;
  const walker = new TarWalker((header) => {
    if (full) return;
    const raw = header.name;
    const path = raw.length > MAX_PATH ? '' : cleanPath(raw);
    if (!path) {
      result.skipped++;
      return;
    }
    if (result.entries.length >= max) {
      // Only an entry past the limit makes the layer one of "more than" max.
      full = true;
      return;
    }
    const entry: LayerEntry = { path, type: entryType(header.type), size: Math.max(0, header.size), mode: header.mode & 0o7777 };
    if (header.linkname) entry.linkname = header.linkname.length > MAX_PATH ? header.linkname.slice(0, MAX_PATH) + '…' : header.linkname;
    result.entries.push(entry);
    result.size += entry.size;
    if (result.entries.length % 5000 === 0) options.onEntries?.(result.entries.length);
    if (entry.type !== 'file' || entry.size === 0) return;
    const hash = createHash('sha256');
    return {
      data: (bytes) => hash.update(bytes),
      end: () => {
        entry.contentHash = hash.digest('base64').slice(0, 22);
      },
    };
  });
  const stop = () => source.destroy?.();
  signal?.addEventListener('abort', stop);
  let walking = true;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      try {
        walker.feed(chunk);
      } catch (e) {
        // A broken tar still shows what could be read.
        walking = false;
        result.truncated = `The layer's tar is damaged after ${result.entries.length.toLocaleString('en-US')} entries (${(e as Error).message}).`;
      }
      if (full) result.truncated = `The layer has more than ${max.toLocaleString('en-US')} entries; only the first are listed.`;
      if (!walking || full) break;
    }
    if (walking && !full) walker.finish();
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    if (BackendError.is(e)) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const what = walking && !result.truncated && message === 'Unexpected end of data' ? "The layer's tar is damaged" : 'Reading the layer failed';
    result.truncated = `${what} after ${result.entries.length.toLocaleString('en-US')} entries (${message}).`;
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
  if (signal?.aborted) throw cancelled();
  return result;
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
