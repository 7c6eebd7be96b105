// The file list of a layer: its uncompressed tar walked block by block (store/tar-walker.ts) into entries (path,
// type, size, mode, linkname, and where each entry's data starts in the tar), so memory holds the list and never
// a file. Where the tar is not already a file on disk (an engine's layers arrive inside `docker save`), it can be
// spooled to one as it passes, so that a file is read later from its offset instead of from the top of the layer
// (layer-spool.ts). Each file's contents hash (Compare's "same contents") is taken only for a reader that asks:
// in the same pass when the layer is read for it, else afterwards from the tar on disk. Lists are cached per diff
// ID (the same diff ID is the same bytes, whatever the image or backend).
import { createHash, type Hash } from 'crypto';
import { createReadStream } from 'fs';
import { efficiency, type EfficiencyReport } from '../core/efficiency';
import { cleanPath, type EntryType, type LayerEntry } from '../core/filetree';
import { layerWaste, type LayerWaste } from '../core/layer-waste';
import type { LayerPackageDbs } from '../core/packages/model';
import { packageFileKind } from '../core/packages/paths';
import { BackendError, type ImageSource } from './backend';
import { limits } from './limits';
import { readPackageDbs, type KeptFile } from './package-dbs';
import { LayerSpool, type SpoolWriter } from './layer-spool';
import { TarWalker } from './store/tar-walker';

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
  /** The uncompressed tar on disk, where the entries' offsets point (the store's own file, or a spool). */
  tarFile?: string;
  /** Set when every file read whole carries its contentHash (read with `hashContents`, or hashed since). */
  hashed?: boolean;
  /** Set when the read offered to keep the tar on disk: without a tarFile, the layer was too large or cut short. */
  spoolTried?: boolean;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called every few thousand entries. */
  onEntries?: (count: number) => void;
  /** Stop after this many entries (the list is then marked truncated). */
  maxEntries?: number;
  /** Writes the tar to disk as it passes (kept only when the whole tar was read). */
  spool?: SpoolWriter;
  /** Hash each file's contents as it passes (entry.contentHash): what Compare needs, and nothing else does. */
  hashContents?: boolean;
}

/** What a reader of the cache needs beyond the list. */
export interface Wants {
  /** Each file's contents hash (Compare). */
  hashContents?: boolean;
  /** The tar on disk, so that a file is read from its offset (views a user opens files from). */
  keepTar?: boolean;
}

/**
 * What `contents` lacks for `wants`: `read` (read again: its tar was never kept, or there is none to hash from),
 * `hash` (hashed from its tar on disk), or nothing.
 */
function lacking(contents: LayerContents, wants: Wants): 'read' | 'hash' | undefined {
  if (wants.keepTar && !contents.tarFile && !contents.spoolTried && !contents.truncated) return 'read';
  if (wants.hashContents && !contents.hashed) return contents.tarFile ? 'hash' : 'read';
  return undefined;
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

/** What a file's contents hash keeps: the first 128 bits of its sha256, base64. */
function contentDigest(hash: Hash): string {
  return hash.digest('base64').slice(0, 22);
}

const cancelled = () => new BackendError('cancelled', 'Reading the layer was cancelled.');

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

async function readEntries(stream: NodeJS.ReadableStream, kept: KeptFile[], options: ReadOptions): Promise<LayerContents> {
  const { signal, spool } = options;
  let keptBytes = 0;
  const max = options.maxEntries ?? MAX_ENTRIES;
  const result: LayerContents = { entries: [], size: 0, skipped: 0 };
  const source = stream as NodeJS.ReadableStream & { destroy?: (e?: Error) => void };
  let stopped: string | undefined;
  const walker = new TarWalker((header) => {
    if (stopped) return;
    const entry = layerEntryOf(header);
    if (entry && result.entries.length >= max) {
      // Only an entry past the limit makes the layer one of "more than" max.
      stopped = `The layer has more than ${max.toLocaleString('en-US')} entries; only the first are listed.`;
      return;
    }
    if (!entry) {
      result.skipped++;
      return;
    }
    result.entries.push(entry);
    result.size += entry.size;
    if (result.entries.length % 5000 === 0) options.onEntries?.(result.entries.length);
    if (entry.type !== 'file' || entry.size === 0) return;
    entry.offset = header.offset;
    const hash = options.hashContents ? createHash('sha256') : undefined;
    const hashed = () => {
      if (hash) entry.contentHash = contentDigest(hash);
    };
    const kind = packageFileKind(entry.path);
    // A count bound beside the byte bound: a million tiny file lists would cost memory for their records alone.
    if (kind && kept.length < MAX_KEPT_FILES) {
      // Package databases are small: their bytes are kept, up to a bound, for package-dbs.ts.
      const fits = entry.size <= limits.packageDbMaxBytes && keptBytes + entry.size <= limits.packageFilesMaxBytes;
      const keep: KeptFile = fits ? { path: entry.path, kind } : { path: entry.path, kind, tooLarge: entry.size };
      kept.push(keep);
      if (fits) {
        keptBytes += entry.size;
        const held: Buffer[] = [];
        return {
          // The walker's pieces are views into the chunk being fed: copied to be kept.
          data: (b) => (hash?.update(b), held.push(Buffer.from(b))),
          end: () => {
            hashed();
            keep.bytes = Buffer.concat(held);
          },
        };
      }
    }
    return hash && { data: (b) => hash.update(b), end: hashed };
  });
  const count = () => result.entries.length.toLocaleString('en-US');
  let complete = false;
  try {
    if (signal?.aborted) throw cancelled();
    const onAbort = () => source.destroy?.(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (signal?.aborted) throw cancelled();
        try {
          walker.feed(chunk);
        } catch (e) {
          // A broken tar still shows what could be read.
          result.truncated = `The layer's tar is damaged after ${count()} entries (${(e as Error).message}).`;
          break;
        }
        if (stopped) break;
        if (spool) await spool.write(chunk);
      }
      if (!result.truncated && !stopped) {
        try {
          walker.finish();
          complete = true;
        } catch (e) {
          result.truncated = `The layer's tar is damaged after ${count()} entries (${(e as Error).message}).`;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  } catch (e) {
    await spool?.discard();
    if (signal?.aborted) throw cancelled();
    if (BackendError.is(e)) throw e;
    result.truncated = `Reading the layer failed after ${count()} entries (${(e as Error).message}).`;
    return result;
  } finally {
    source.destroy?.();
  }
  if (stopped) result.truncated = stopped;
  if (options.hashContents) result.hashed = true;
  if (spool) {
    result.spoolTried = true;
    // Offsets are good only in a whole tar: a cut-off one is read again from the backend when a file is opened.
    if (complete && !stopped) result.tarFile = await spool.keep();
    else await spool.discard();
  }
  return result;
}

/**
 * Hashes the files of `contents` from `tarFile`, the tar its offsets point into. False when the file is gone (a
 * spool removed to keep within its budget) or no longer holds those entries.
 */
async function hashFromTar(contents: LayerContents, tarFile: string): Promise<boolean> {
  const byOffset = new Map<number, LayerEntry>();
  for (const e of contents.entries) if (e.type === 'file' && e.size > 0 && e.offset !== undefined) byOffset.set(e.offset, e);
  const hashes = new Map<LayerEntry, string>();
  const walker = new TarWalker((header) => {
    const entry = byOffset.get(header.offset);
    if (!entry || entry.size !== header.size) return;
    const hash = createHash('sha256');
    return { data: (b) => hash.update(b), end: () => hashes.set(entry, contentDigest(hash)) };
  });
  try {
    for await (const chunk of createReadStream(tarFile, { highWaterMark: 1 << 20 })) walker.feed(chunk as Buffer);
    walker.finish();
  } catch {
    return false;
  }
  if (hashes.size !== byOffset.size) return false;
  for (const [entry, hash] of hashes) entry.contentHash = hash;
  contents.hashed = true;
  return true;
}

/** `work`, or a cancellation as soon as `signal` fires (the work goes on for whoever else waits on it). */
function abandonable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
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

  constructor(
    private readonly maxEntries = 2_000_000,
    /** Where an engine's layers are copied as they are read, so that a file is read again from its offset. */
    readonly spool = new LayerSpool(),
  ) {}

  /** A writer to spool a layer when it is wanted and not a file on disk already (`backend` keeps it as one). */
  spoolFor(backend: ImageSource, wants: Wants): SpoolWriter | undefined {
    return wants.keepTar && !backend.layerTarFile ? this.spool.writer() : undefined;
  }

  /** The cached list of `diffId` when it has what `wants` asks without a read (hashes may still be taken). */
  readable(diffId: string, wants: Wants): LayerContents | undefined {
    const hit = this.get(diffId);
    return hit && lacking(hit, wants) !== 'read' ? hit : undefined;
  }

  get(diffId: string): LayerContents | undefined {
    const hit = this.done.get(diffId);
    if (hit) {
      this.done.delete(diffId);
      this.done.set(diffId, hit);
    }
    return hit;
  }

  /** diffId's list with what `options` wants: from the cache, from its tar on disk, or read (once for all callers). */
  async load(backend: ImageSource, ref: string, diffId: string, options: LoadOptions = {}): Promise<LayerContents> {
    const hit = this.get(diffId);
    if (hit) return this.complete(backend, ref, diffId, hit, options);
    let p = this.pending.get(diffId);
    if (!p) {
      const abort = new AbortController();
      const promise = (async () => {
        const local = await backend.layerTarFile?.(ref, diffId);
        const stream = await backend.layerTar(ref, diffId, abort.signal);
        const spool = local ? undefined : this.spoolFor(backend, options);
        const contents = await readLayerEntries(stream, { ...options, signal: abort.signal, spool });
        if (local && !contents.truncated) contents.tarFile = local;
        return contents;
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
    // A read already under way when this caller came may not have what it wants.
    return this.complete(backend, ref, diffId, await this.wait(diffId, p, options.signal), options);
  }

  /**
   * `contents` (diffId's cached list) with what `options` wants: each file's hash taken from its tar on disk, else
   * (no tar kept, or one that is gone) the layer read again, the list replaced.
   */
  private async complete(backend: ImageSource, ref: string, diffId: string, contents: LayerContents, options: LoadOptions): Promise<LayerContents> {
    const lacks = lacking(contents, options);
    if (!lacks) return contents;
    if (lacks === 'hash') {
      let hashing = this.hashing.get(contents);
      if (!hashing) {
        hashing = hashFromTar(contents, contents.tarFile as string);
        this.hashing.set(contents, hashing);
      }
      if (await abandonable(hashing, options.signal)) return contents;
    }
    this.forget(diffId, contents);
    // The read that follows gives what was asked (or a list too large to keep, which is not asked again).
    return this.load(backend, ref, diffId, { ...options, hashContents: options.hashContents || contents.hashed, keepTar: options.keepTar || !!contents.tarFile });
  }

  private readonly hashing = new WeakMap<LayerContents, Promise<boolean>>();

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

  /** Keeps contents read elsewhere (several layers in one pass), in place of a list that lacked something. */
  put(diffId: string, contents: LayerContents): void {
    const old = this.done.get(diffId);
    if (old && old !== contents) this.forget(diffId, old);
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
      if (value.tarFile) this.spool.release(value.tarFile);
    }
  }

  /** Drops diffId's list when it is still `contents`. */
  private forget(diffId: string, contents: LayerContents): void {
    if (this.done.get(diffId) !== contents) return;
    this.done.delete(diffId);
    this.held -= contents.entries.length;
    if (contents.tarFile) this.spool.release(contents.tarFile);
  }

  clear(): void {
    for (const value of this.done.values()) if (value.tarFile) this.spool.release(value.tarFile);
    this.done.clear();
    this.held = 0;
  }
}

/** cache.load's options: how to read, and what the caller needs beyond the list. */
export type LoadOptions = Omit<ReadOptions, 'spool'> & Wants;

export interface LayersOptions extends Wants {
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
  const wants: Wants = { hashContents: options.hashContents === true, keepTar: options.keepTar === true };
  const missing = [...new Set(diffIds.filter((d) => !cache.readable(d, wants)))];
  let batch = new Map<string, LayerContents>();
  if (backend.readLayers && missing.length > 1) {
    let done = 0;
    options.onProgress?.({ message: `Reading ${missing.length} layers`, fraction: 0 });
    batch = await backend.readLayers(
      ref,
      missing,
      async (tar) => {
        const contents = await readLayerEntries(tar, { signal: options.signal, spool: cache.spoolFor(backend, wants), hashContents: wants.hashContents });
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
    const cached = cache.get(diffIds[i]) ?? batch.get(diffIds[i]);
    const lacks = cached && lacking(cached, wants);
    const known = cached && !lacks ? cached : undefined;
    if (!known) {
      const doing = lacks === 'hash' ? 'Hashing the files of layer' : 'Layer';
      options.onProgress?.({ message: `${doing} ${i + 1} of ${diffIds.length}`, fraction: i / diffIds.length });
    }
    out.push(
      known ??
        (await cache.load(backend, ref, diffIds[i], {
          ...wants,
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
