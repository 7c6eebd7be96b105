// A consistent picture of the store for one operation: every image (its summary entry), its layers, tags and
// parents. Layer reference counts are derived from it (a layer lives while some image's stack contains it), the
// way the engine rebuilds its counts from the image store when it starts.
//
// SnapshotCache keeps one per BuiltinStore: configs are content-addressed and entries only change with the files
// they come from, so a refresh re-reads only what can change (repositories.json, the imagedb listing, the summary
// index when rewritten), and only when a stat of those files (and of events.log, which every writer appends to,
// in any process) says something changed.
import { promises as fs } from 'fs';
import type { ImageSummary } from '../../core/model';
import type { StoreLayout } from './layout';
import { eventsFile } from './events';
import { tryStoreLock } from './lock';
import { listImageIds, readImage, type LayerRecord, type StoredImage } from './records';
import { Repositories } from './repositories';
import { collectEntries, parseSummary, readSummaryText, writeSummary, type ImageEntry } from './summary';
import { exists } from './atomic';

export class StoreSnapshot {
  readonly byId = new Map<string, ImageEntry>();
  readonly parents = new Map<string, string>();
  private childrenOf: Map<string, string[]> | undefined;
  private layerMap: Map<string, LayerRecord> | undefined;

  constructor(
    readonly repos: Repositories,
    entries: Iterable<ImageEntry>,
    private readonly loadConfig: (id: string) => Promise<StoredImage | undefined>,
  ) {
    for (const e of entries) this.byId.set(e.id, e);
    // A parent link counts only while the parent is in the store.
    for (const e of this.byId.values()) if (e.parent && this.byId.has(e.parent)) this.parents.set(e.id, e.parent);
  }

  /** A copy a writer may change (tags, removed images) without touching the cached one. */
  copy(): StoreSnapshot {
    return new StoreSnapshot(this.repos.clone(), this.byId.values(), this.loadConfig);
  }

  /** The image's config (bytes and parsed); undefined when it is gone. */
  config(id: string): Promise<StoredImage | undefined> {
    return this.loadConfig(id);
  }

  images(): ImageEntry[] {
    return [...this.byId.values()];
  }

  /** Takes an image out of this snapshot (after its files are removed). */
  forget(id: string): void {
    // Its layer records stay until the caller releases them (remove.ts), so the map is built while they are known.
    void this.layers;
    this.byId.delete(id);
    this.parents.delete(id);
    this.childrenOf = undefined;
  }

  children(id: string): string[] {
    if (!this.childrenOf) {
      this.childrenOf = new Map();
      for (const [c, p] of this.parents) {
        const list = this.childrenOf.get(p);
        if (list) list.push(c);
        else this.childrenOf.set(p, [c]);
      }
    }
    return this.childrenOf.get(id) ?? [];
  }

  /** The image's own ID and its ancestors' IDs, nearest first. */
  lineage(id: string): string[] {
    const out = [id];
    let p = this.parents.get(id);
    while (p && !out.includes(p)) {
      out.push(p);
      p = this.parents.get(p);
    }
    return out;
  }

  /** Layer records of every chain an image uses (a chain whose record is missing is left out). */
  get layers(): Map<string, LayerRecord> {
    if (!this.layerMap) {
      this.layerMap = new Map();
      for (const e of this.byId.values()) {
        e.chainIds.forEach((chainId, i) => {
          const size = e.sizes[i];
          if (size !== null && !this.layerMap!.has(chainId)) {
            this.layerMap!.set(chainId, { chainId, diffId: e.diffIds[i], size, parent: i ? e.chainIds[i - 1] : '' });
          }
        });
      }
    }
    return this.layerMap;
  }

  layerSize(chainId: string): number {
    return this.layers.get(chainId)?.size ?? 0;
  }

  imageSize(img: ImageEntry): number {
    return img.sizes.reduce<number>((n, s) => n + (s ?? 0), 0);
  }

  /** How many images' stacks contain each chain. */
  chainRefs(): Map<string, number> {
    const refs = new Map<string, number>();
    for (const img of this.byId.values()) for (const c of img.chainIds) refs.set(c, (refs.get(c) ?? 0) + 1);
    return refs;
  }

  summary(img: ImageEntry, sharedSize = -1): ImageSummary {
    return {
      Id: img.id,
      ParentId: this.parents.get(img.id) ?? '',
      RepoTags: this.repos.tagsOf(img.id),
      RepoDigests: this.repos.digestsOf(img.id),
      Created: img.created,
      Size: this.imageSize(img),
      SharedSize: sharedSize,
      Labels: img.labels ? { ...img.labels } : null,
      Containers: sharedSize === -1 ? -1 : 0,
    };
  }
}

/** What a refresh compares: identity, size and time of the files whose change means the picture changed. */
async function stamp(file: string): Promise<string> {
  try {
    const s = await fs.stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return '-';
  }
}

export class SnapshotCache {
  private current: { key: string; snap: StoreSnapshot } | undefined;
  private pending: { key: string; snap: Promise<StoreSnapshot> } | undefined;
  /**
   * The stamps being read: readers that ask meanwhile share them. The Layers view inspects every image, eight at
   * a time, three calls each; without this each call stats four files (10,000 images: 120,000 stats).
   */
  private stamping: Promise<string> | undefined;
  private readonly reading = new Map<string, Promise<StoredImage | undefined>>();
  /** Entries by image ID, kept across refreshes (an image's entry is fixed by its config bytes). */
  private entries = new Map<string, ImageEntry>();
  private summaryStamp = '';
  private readonly configs = new Map<string, StoredImage>();

  constructor(private readonly layout: StoreLayout) {}

  /** Forget the picture (after a write by this instance); entries and configs stay. */
  invalidate(): void {
    this.current = undefined;
    this.pending = undefined;
  }

  /**
   * The store's current picture. `verify` (writers, under the lock) re-reads the tags and the imagedb listing
   * whatever the stats say, so a change within one clock tick cannot hide from a writer.
   */
  async snapshot(verify = false): Promise<StoreSnapshot> {
    const key = verify ? await this.stampFiles() : await (this.stamping ??= this.stampFiles().finally(() => (this.stamping = undefined)));
    if (!verify) {
      if (this.current?.key === key) return this.current.snap;
      if (this.pending?.key === key) return this.pending.snap;
    }
    const snap = this.read(key, verify);
    if (!verify) this.pending = { key, snap };
    try {
      const s = await snap;
      this.current = { key, snap: s };
      return s;
    } finally {
      if (this.pending?.snap === snap) this.pending = undefined;
    }
  }

  /** The stamps of the files a snapshot is made from: a change to any of them changes the key. */
  private async stampFiles(): Promise<string> {
    const l = this.layout;
    return (await Promise.all([eventsFile(l.root), l.repositories, l.imageContent, l.summary].map(stamp))).join('|');
  }

  private async read(key: string, verify: boolean): Promise<StoreSnapshot> {
    const l = this.layout;
    const summaryStamp = key.split('|')[3];
    const previousStamp = this.summaryStamp;
    const [repos, ids, summaryText] = await Promise.all([
      Repositories.read(l.repositories),
      listImageIds(l),
      verify || summaryStamp !== previousStamp ? readSummaryText(l) : Promise.resolve(undefined),
    ]);
    let fromFile: Map<string, ImageEntry> | undefined;
    if (summaryText !== undefined) {
      fromFile = parseSummary(summaryText);
      // The index is rewritten after a size repair: its entries replace what this instance had.
      if (fromFile) for (const [id, e] of fromFile) this.entries.set(id, e);
    }
    const entries = await collectEntries(l, ids, this.entries);
    this.summaryStamp = summaryStamp;
    this.entries = new Map(entries.map((e) => [e.id, e]));
    for (const id of this.configs.keys()) if (!this.entries.has(id)) this.configs.delete(id);

    // The index is missing, damaged or behind imagedb (written by an older version, or a writer that died): save
    // what was just rebuilt, when the lock is free at once. Readers never wait for it; writers update it themselves.
    if (!verify && summaryStamp !== previousStamp) {
      const indexed = summaryText === undefined ? (entries.length ? undefined : new Map<string, ImageEntry>()) : fromFile;
      if (!indexed || indexed.size !== entries.length || entries.some((e) => !indexed.has(e.id))) await this.saveIndex();
    }
    return new StoreSnapshot(repos, entries, (id) => this.config(id));
  }

  private async saveIndex(): Promise<void> {
    const l = this.layout;
    await tryStoreLock(l.lockFile, async () => {
      // A commit left half-done by a dead process is the next writer's to roll back; the index waits for it.
      if (await exists(l.journal)) return;
      const entries = await collectEntries(l, await listImageIds(l), this.entries);
      await writeSummary(l, entries);
    }).catch(() => undefined);
  }

  private async config(id: string): Promise<StoredImage | undefined> {
    const cached = this.configs.get(id);
    if (cached) return cached;
    // Inspect, history and the empty-layer flags ask for the same config at once: one read serves them.
    let reading = this.reading.get(id);
    if (!reading) {
      reading = readImage(this.layout, id).finally(() => this.reading.delete(id));
      this.reading.set(id, reading);
    }
    const img = await reading;
    if (img && this.entries.has(id)) this.configs.set(id, img);
    return img;
  }
}
