// An image read straight from a `docker save` archive (legacy or Docker 25+), a .tar.gz of one or an OCI image
// layout folder, without loading it anywhere: the archive is walked once by the load's own walk (names checked
// the same way), JSON entries are kept in memory and every other entry is read as a layer tar as it passes
// (gzip and zstd inflated on the way, bombs refused); the load's plan then says which entries are the image.
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { BackendError, userMessage } from '../backend';
import { bombCheck, bombGuard, decompressor, tarOf } from '../codec';
import { compressionOf } from '../../core/compression';
import type { LayerEntry } from '../../core/filetree';
import { layerEntryOf, MAX_ENTRIES } from '../layer-contents';
import { folderFiles, walkArchive, type EntrySink, type StageOptions, type StagedFile } from './archive-reader';
import { MAX_JSON_BYTES } from './image-config';
import { looksLikeJson } from './layer-scan';
import { readJsonFile, readLoadPlan } from './load-plan';
import { TarWalker } from './tar-walker';

export interface ArchiveImage {
  /** Its first tag, or its place in the archive. */
  label: string;
  tags: string[];
  /** The image config, parsed. */
  config: unknown;
  /** Bottom first; `name` is the layer's file in the archive (`<id>/layer.tar`, `blobs/sha256/<hex>`). */
  layers: { name: string; entries: LayerEntry[] }[];
  /** Images in the archive; the first is the one read, as dive reads it. */
  imageCount: number;
}

/** Bytes enough to tell gzip, zstd and JSON from a tar. */
const HEAD = 64;

/** A layer tar's entries, gathered as its bytes are fed; fails on a broken tar or one past MAX_ENTRIES. */
class EntryLister {
  readonly entries: LayerEntry[] = [];
  private readonly walker = new TarWalker((h) => {
    const entry = layerEntryOf(h);
    if (!entry) return;
    if (this.entries.length >= MAX_ENTRIES) throw new Error(`it has more than ${MAX_ENTRIES.toLocaleString('en-US')} entries`);
    this.entries.push(entry);
  });

  feed(bytes: Buffer): void {
    this.walker.feed(bytes);
  }

  finish(): LayerEntry[] {
    this.walker.finish();
    return this.entries;
  }
}

/** One archive entry as it passes: kept when it is JSON, listed when it reads as a layer tar, else let go. */
class ListingSink implements EntrySink {
  failure: unknown;
  private head: Buffer;
  private headFill = 0;
  private mode: 'gather' | 'json' | 'tar' | 'inflate' | 'skip' = 'gather';
  private json: Buffer | undefined;
  private jsonFill = 0;
  private readonly lister = new EntryLister();
  private error: string | undefined;
  private inflate: { input: NodeJS.WritableStream; closed: Promise<void>; done: Promise<void> } | undefined;

  constructor(
    private readonly size: number,
    private readonly what: string,
  ) {
    this.head = Buffer.allocUnsafe(Math.min(size, HEAD));
  }

  data(bytes: Buffer): Promise<unknown> | undefined {
    if (this.mode !== 'gather') return this.pass(bytes);
    const n = Math.min(this.head.length - this.headFill, bytes.length);
    bytes.copy(this.head, this.headFill, 0, n);
    this.headFill += n;
    if (this.headFill < this.head.length) return undefined;
    this.start();
    this.pass(this.head);
    return n < bytes.length ? this.pass(bytes.subarray(n)) : undefined;
  }

  async end(): Promise<Partial<StagedFile>> {
    if (this.mode === 'gather') {
      this.start();
      this.pass(this.head);
    }
    if (this.inflate) {
      this.inflate.input.end();
      await this.inflate.done;
    }
    if (this.mode === 'json') return { bytes: this.json };
    if (this.mode === 'skip') return {};
    if (this.error === undefined) {
      try {
        return { listing: { entries: this.lister.finish() } };
      } catch (e) {
        this.error = userMessage(e);
      }
    }
    return { listing: { error: this.error } };
  }

  async abandon(): Promise<void> {
    (this.inflate?.input as NodeJS.ReadWriteStream & { destroy?: () => void } | undefined)?.destroy?.();
    await this.inflate?.done;
  }

  private start(): void {
    const kind = compressionOf(this.head);
    if (looksLikeJson(this.head)) {
      // A config or manifest larger than this is refused by readJsonFile from its size alone.
      this.mode = this.size <= MAX_JSON_BYTES ? 'json' : 'skip';
      if (this.mode === 'json') this.json = Buffer.allocUnsafe(this.size);
    } else if (kind !== 'none') {
      this.mode = 'inflate';
      const inflate = decompressor(kind, { check: bombCheck(this.what) });
      const guard = bombGuard(inflate, this.what);
      guard.on('data', (chunk: Buffer) => this.list(chunk));
      const done = new Promise<void>((resolve) => {
        const fail = (e: unknown) => {
          this.error ??= userMessage(e);
          resolve();
        };
        inflate.stream.on('error', fail);
        guard.on('error', fail);
        guard.on('end', () => resolve());
      });
      const closed = new Promise<void>((resolve) => inflate.stream.once('close', () => resolve()));
      inflate.stream.pipe(guard);
      this.inflate = { input: inflate.stream, closed, done };
    } else this.mode = 'tar';
  }

  private list(bytes: Buffer): void {
    if (this.error !== undefined) return;
    try {
      this.lister.feed(bytes);
    } catch (e) {
      this.error = userMessage(e);
    }
  }

  private pass(bytes: Buffer): Promise<unknown> | undefined {
    switch (this.mode) {
      case 'json':
        bytes.copy(this.json as Buffer, this.jsonFill);
        this.jsonFill += bytes.length;
        return undefined;
      case 'tar':
        this.list(bytes);
        return undefined;
      case 'inflate': {
        const { input, closed } = this.inflate as NonNullable<ListingSink['inflate']>;
        if (this.error !== undefined) return undefined;
        // Settles once zlib has read the bytes, so the buffer under them can be reused.
        return Promise.race([new Promise<void>((resolve) => input.write(bytes, () => resolve())), closed]);
      }
      default:
        return undefined;
    }
  }
}

/** The entries of a layer file in a folder (an OCI layout's blob), compressed or not. */
async function listLayerFile(file: string, what: string): Promise<LayerEntry[]> {
  const { tar } = await tarOf(createReadStream(file), what);
  const lister = new EntryLister();
  for await (const chunk of tar) lister.feed(chunk as Buffer);
  return lister.finish();
}

async function layerEntries(file: StagedFile, what: string): Promise<LayerEntry[]> {
  const listing = file.listing ?? (file.path ? await listLayerFile(file.path, what).then((entries) => ({ entries }), (e: unknown) => ({ error: userMessage(e) })) : undefined);
  if (!listing) throw new BackendError('corrupt', `${what} could not be read.`);
  if ('error' in listing) throw new BackendError('corrupt', `${what} is not a valid layer tar (${listing.error}).`, listing.error);
  return listing.entries;
}

/** The first image of an archive or OCI layout folder with every layer's entries, read without staging anything. */
export async function readArchiveImage(input: string, options: StageOptions = {}): Promise<ArchiveImage> {
  const stat = await fs.stat(input).catch(() => {
    throw new BackendError('not-found', `${input} does not exist.`);
  });
  const source = path.basename(input);
  const files = stat.isDirectory()
    ? await folderFiles(input)
    : await walkArchive(input, { open: (file) => new ListingSink(file.size, `The entry "${file.name}" of ${source}`) }, options);
  const plans = await readLoadPlan(files);
  const plan = plans[0];
  if (!plan) throw new BackendError('invalid-input', `${source} holds no image.`);
  const config = await readJsonFile(plan.config, `The config of ${plan.label}`);
  const layers = [];
  for (const [i, layer] of plan.layers.entries()) {
    layers.push({ name: layer.file.name, entries: await layerEntries(layer.file, `Layer ${i + 1} of ${plan.label}`) });
  }
  return { label: plan.label, tags: plan.tags, config, layers, imageCount: plans.length };
}
