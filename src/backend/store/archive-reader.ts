// Reads an input archive (a `docker save` tar, optionally gzip- or zstd-compressed as a whole, or an OCI layout as a
// tar) entry by entry: the load stages each entry into a folder without holding it in memory; the efficiency
// command lists layers as they pass (archive-listing.ts). Entry names are checked before anything is done with
// them: no absolute paths, no `..`, no duplicates, links only to entries inside the archive.
import { randomBytes } from 'crypto';
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { BackendError, isSystemError, userMessage } from '../backend';
import { Limiter } from '../../core/limit';
import type { LayerEntry } from '../../core/filetree';
import type { Progress } from '../../core/model';
import { readInRing, type RingChunk } from './chunk-ring';
import { EntryStager } from './entry-stager';
import { bombCheck, bombGuard, decompressor, sniffFile } from '../codec';
import type { ScannedLayer } from './layer-scan';
import { inflationGuard } from './space-guard';
import { TarWalker, type TarEntryHandler } from './tar-walker';

export interface StagedFile {
  name: string;
  /** Where the bytes are: a staged copy (for a compressed blob, its uncompressed tar), or the original file for folder inputs. */
  path: string;
  size: number;
  /** The entry scanned as a layer while it was staged (archives only; see entry-stager.ts). */
  scan?: ScannedLayer;
  scanError?: string;
  /** The entry's bytes, kept in memory by a walk that stages nothing (JSON only: manifests, configs). */
  bytes?: Buffer;
  /** The entry read as a layer by a walk that stages nothing: its tar entries, or why it is not a layer. */
  listing?: { entries: LayerEntry[] } | { error: string };
}

/** Links followed to find one file, at most (Linux's MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

/** Files of an archive by normalised name, with links resolved inside the archive. */
export class ArchiveFiles {
  readonly files = new Map<string, StagedFile>();
  /** name → target name (normalised, relative to the archive root) */
  readonly links = new Map<string, string>();
  readonly dirs = new Set<string>();

  constructor(readonly source: string) {}

  /**
   * The file an archive path names, following links inside the archive (the path's own and its folders');
   * undefined when absent. Iterative, with one hop count for the whole walk: links that point at each other or
   * into themselves (`d -> d/x`) end at MAX_LINK_HOPS with a sentence, not a stack overflow.
   */
  find(name: string): StagedFile | undefined {
    let current = normaliseEntryName(name, this.source);
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const file = this.files.get(current);
      if (file) return file;
      const next = this.links.get(current) ?? this.throughLinkedFolder(current);
      if (next === undefined) return undefined;
      current = next;
    }
    throw new BackendError('invalid-input', `${this.source} names "${name}", whose links go round in a loop (or nest more than ${MAX_LINK_HOPS} deep).`);
  }

  /** `a/layer.tar` where a folder of the path is a link (`a -> b`): the path through its target (`b/layer.tar`). */
  private throughLinkedFolder(name: string): string | undefined {
    const parts = name.split('/');
    for (let i = parts.length - 1; i > 0; i--) {
      const target = this.links.get(parts.slice(0, i).join('/'));
      if (target !== undefined) return [target, ...parts.slice(i)].filter(Boolean).join('/');
    }
    return undefined;
  }

  get(name: string, what: string): StagedFile {
    const f = this.find(name);
    if (!f) throw new BackendError('invalid-input', `${this.source} names ${what} "${name}", but the archive has no such file.`);
    return f;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }
}

/** Normalises an entry name; rejects names that would escape the archive. */
export function normaliseEntryName(raw: string, source: string): string {
  if (raw.includes('\0')) throw new BackendError('invalid-input', `${source} has an entry name with a NUL byte.`);
  if (raw.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(raw)) {
    throw new BackendError('invalid-input', `${source} has an entry with an absolute path ("${raw}"); archive paths must be relative.`);
  }
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new BackendError('invalid-input', `${source} has an entry whose path leaves the archive ("${raw}").`);
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** A link target as an archive name; rejects targets outside the archive. */
function resolveLink(entryName: string, target: string, hard: boolean, source: string): string {
  if (target.startsWith('/')) {
    throw new BackendError('invalid-input', `${source} has a link "${entryName}" pointing outside the archive ("${target}").`);
  }
  const base = hard ? [] : entryName.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (base.length === 0) {
        throw new BackendError('invalid-input', `${source} has a link "${entryName}" pointing outside the archive ("${target}").`);
      }
      base.pop();
    } else base.push(part);
  }
  return base.join('/');
}

export function cancelledError(): BackendError {
  return new BackendError('cancelled', 'The load was cancelled; the store is unchanged.');
}


export interface StageOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Largest entry accepted, in bytes. */
  maxEntryBytes?: number;
}

const DEFAULT_MAX_ENTRY = 1024 ** 4; // 1 TiB: a declared size beyond this is a broken or hostile header

/** Extracts `archive` into `stagingDir` and returns its files, each scanned as a layer on the way (entry-stager.ts). */
export function stageArchive(archive: string, stagingDir: string, options: StageOptions = {}): Promise<ArchiveFiles> {
  const source = path.basename(archive);
  // Small entries are written a few at a time while the archive moves on (thousands of tiny layers and configs).
  const writer = new Limiter(16);
  const write = (file: string, data: Buffer): Promise<void> => writer.run(() => fs.writeFile(file, data, { flag: 'wx' }));
  let counter = 0;
  return walkArchive(
    archive,
    {
      spaceDir: stagingDir,
      open(file) {
        file.path = path.join(stagingDir, `entry-${counter++}`);
        return new EntryStager(file.size, file.path, `The entry "${file.name}" of ${source}`, write, options.signal);
      },
      writeFailure: (src, msg) => `Copying ${src} into the store's staging folder failed (${msg}).`,
    },
    options,
  );
}

/** What becomes of one file entry's bytes as the walk hands them over. */
export interface EntrySink {
  /** The entry's next bytes, a view into a reused buffer: valid during the call, or until the returned work settles. */
  data(bytes: Buffer): Promise<unknown> | undefined;
  /** Called once every byte has been handed over; what it answers is added to the file's record. */
  end(): Promise<Partial<StagedFile>>;
  /** Stops the work running behind the walk (the walk failed elsewhere). */
  abandon(): Promise<void>;
  /** The first failure of work running behind the walk. */
  readonly failure?: unknown;
}

export interface ArchiveWalk {
  /** A sink for a file entry (its record made by the walk), called in the archive's order. */
  open(file: StagedFile): EntrySink;
  /** Where a whole-archive decompression looks at the free space while it inflates (a staging folder). */
  spaceDir?: string;
  /** The sentence when a file system call of the sinks fails (say, a full disk). */
  writeFailure?(source: string, msg: string): string;
}

/**
 * Walks `archive` (a tar, or a gzip or zstd of one) entry by entry, checking every name before anything is
 * done with it, and hands each file entry's bytes to a sink of `walk`: the load stages them, the efficiency
 * command lists layers in memory. Empty files share the first empty file's record.
 */
export async function walkArchive(archive: string, walk: ArchiveWalk, options: StageOptions = {}): Promise<ArchiveFiles> {
  const source = path.basename(archive);
  const stat = await fs.stat(archive).catch(() => {
    throw new BackendError('not-found', `The archive ${archive} does not exist.`);
  });
  if (!stat.isFile()) throw new BackendError('invalid-input', `${archive} is not a file.`);
  const compression = await sniffFile(archive);
  const compressed = compression !== 'none';
  const maxEntry = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY;
  const files = new ArchiveFiles(source);
  const notUtf8 = new Set<string>();
  const decodedAlike = new Set<string>();
  let firstEmpty: StagedFile | undefined;
  const empties: StagedFile[] = [];

  let failure: unknown;
  // Entries whose last bytes have been read and whose writes and scans are finishing.
  const finishing = new Set<Promise<void>>();
  let current: EntrySink | undefined;
  let holds: Promise<unknown>[] = [];

  const walker = new TarWalker((h): TarEntryHandler | void => {
    const name = normaliseEntryName(h.name, source);
    if (h.type === 'directory') {
      files.dirs.add(name);
      return;
    }
    if (name === '') throw new BackendError('invalid-input', `${source} has a file entry without a name.`);
    // Compared as stored: two names that are not UTF-8 may decode alike and still be two files. Those are rare
    // and kept apart; the others are checked against the maps (no set of their own: a million names add up).
    const raw = h.rawName === h.name ? undefined : normaliseEntryName(h.rawName, source);
    const duplicate = raw === undefined ? (files.files.has(name) || files.links.has(name)) && !decodedAlike.has(name) : notUtf8.has(raw);
    if (duplicate) throw new BackendError('invalid-input', `${source} has two entries named "${name}".`);
    if (raw !== undefined) {
      notUtf8.add(raw);
      decodedAlike.add(name);
    }
    if (h.type === 'symlink' || h.type === 'link') {
      files.links.set(name, resolveLink(name, h.linkname, h.type === 'link', source));
      return;
    }
    if (h.type !== 'file' && h.type !== 'contiguous-file') {
      throw new BackendError('invalid-input', `${source} has an entry "${name}" of type ${h.type}; a docker save archive holds only files, folders and links.`);
    }
    if (h.size > maxEntry || (!compressed && h.size > stat.size)) {
      throw new BackendError('invalid-input', `${source} declares ${h.size} bytes for "${name}", more than the archive can hold.`);
    }
    if (h.size === 0 && firstEmpty) {
      // Empty files are all alike: one record serves them all (filled in at the end).
      const file: StagedFile = { name, path: firstEmpty.path, size: 0 };
      files.files.set(name, file);
      empties.push(file);
      return;
    }
    const file: StagedFile = { name, path: '', size: h.size };
    if (h.size === 0) firstEmpty = file;
    files.files.set(name, file);
    const sink = walk.open(file);
    current = sink;
    return {
      data: (bytes) => {
        const work = sink.data(bytes);
        if (work) holds.push(work);
      },
      end: () => {
        current = undefined;
        const p: Promise<void> = sink.end().then(
          (result) => void Object.assign(file, result),
          (e: unknown) => void (failure ??= e),
        );
        finishing.add(p);
        void p.finally(() => finishing.delete(p));
      },
    };
  });

  let readBytes = 0;
  let lastReport = 0;
  const chunks = readingOf(source, compressed ? decompressedChunks(archive, compression, walk.spaceDir, (n) => (readBytes += n)) : readInRing(archive));
  try {
    for await (const chunk of chunks) {
      if (options.signal?.aborted) throw cancelledError();
      if (!compressed) readBytes += chunk.bytes.length;
      const now = Date.now();
      if (options.onProgress && now - lastReport > 100) {
        lastReport = now;
        options.onProgress({ message: `Reading ${source}`, fraction: Math.min(1, readBytes / stat.size) });
      }
      walker.feed(chunk.bytes);
      for (const work of holds) chunk.hold(work);
      holds = [];
      if (failure ?? current?.failure) throw failure ?? current?.failure;
      // A chunk may end hundreds of small entries: let the oldest finish before reading on.
      for (const p of finishing) {
        if (finishing.size <= 16) break;
        await p;
      }
    }
    walker.finish();
    await Promise.all(finishing);
    if (failure) throw failure;
    if (firstEmpty) {
      const { scan, scanError, bytes, listing } = firstEmpty;
      for (const file of empties) Object.assign(file, { scan, scanError, bytes, listing });
    }
  } catch (e) {
    await current?.abandon();
    await Promise.allSettled(finishing);
    if (options.signal?.aborted) throw cancelledError();
    if (BackendError.is(e)) throw e;
    const msg = userMessage(e);
    // A failing write (a full disk, a folder made read-only) is the store's trouble, not the archive's.
    if (isSystemError(e)) throw new BackendError('failed', walk.writeFailure?.(source, msg) ?? `Reading ${source} failed (${msg}).`, msg);
    throw new BackendError('corrupt', `${source} is not a readable tar archive (${msg}); it may be truncated or damaged.`, msg);
  }
  return files;
}

/** The chunks of `source`; a failing read (a drive or share that fails) is named as such, not as a damaged tar. */
async function* readingOf(source: string, chunks: AsyncGenerator<RingChunk>): AsyncGenerator<RingChunk> {
  try {
    yield* chunks;
  } catch (e) {
    if (!isSystemError(e)) throw e;
    const msg = userMessage(e);
    throw new BackendError('failed', `Reading ${source} failed (${msg}).`, msg);
  }
}

/** The uncompressed bytes of a compressed archive, with at most a few chunks' writes in flight at once. */
async function* decompressedChunks(archive: string, kind: 'gzip' | 'zstd', spaceDir: string | undefined, onRead: (bytes: number) => void): AsyncGenerator<RingChunk> {
  const input = createReadStream(archive, { highWaterMark: 1 << 20 });
  const counting = new Transform({
    transform(chunk: Buffer, _e, cb) {
      onRead(chunk.length);
      cb(null, chunk);
    },
  });
  const what = path.basename(archive);
  const inflate = decompressor(kind, { chunkSize: 1 << 20, check: bombCheck(what) });
  // Staging watches the free space as it inflates; a walk that writes nothing needs only the bomb check.
  const guard = spaceDir ? inflationGuard(inflate, spaceDir, what) : bombGuard(inflate, what);
  const feeding = pipeline(input, counting, inflate.stream, guard);
  feeding.catch(() => undefined); // seen by the iteration below, or awaited in `finally`
  const inFlight = new Set<Promise<unknown>>();
  try {
    for await (const bytes of guard) {
      yield {
        bytes: bytes as Buffer,
        hold: (work) => {
          inFlight.add(work);
          const done = () => void inFlight.delete(work);
          work.then(done, done);
        },
      };
      while (inFlight.size > 8) await Promise.race(inFlight);
    }
    await feeding;
  } finally {
    input.destroy();
    await Promise.allSettled([feeding, ...inFlight]);
  }
}

/** Lists a folder (an OCI image layout) as archive files, without copying anything. */
export async function folderFiles(folder: string): Promise<ArchiveFiles> {
  const files = new ArchiveFiles(path.basename(folder));
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const name = prefix ? `${prefix}/${d.name}` : d.name;
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        files.dirs.add(name);
        await walk(full, name);
      } else if (d.isFile()) {
        files.files.set(name, { name, path: full, size: (await fs.stat(full)).size });
      } else if (d.isSymbolicLink()) {
        files.links.set(name, resolveLink(name, await fs.readlink(full), false, files.source));
      }
    }
  };
  await walk(folder, '');
  return files;
}

export function stagingName(): string {
  return `load-${process.pid}-${randomBytes(6).toString('hex')}`;
}
