// The daemonless image store: images kept on disk the way the engine keeps them, behind the same
// ImageBackend interface as a real engine, answering in the Engine API's shapes.
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { BackendError, userMessage, type ImageBackend, type ImageLayerFacts, type LoadResult, type RemoveOptions, type WorkOptions } from '../backend';
import type { ArchiveFormat, Capabilities, ImageArchive, ImageManager, ImageTransfer, LoadInput, StoreChecker } from '../capabilities';
import { parseDigest } from '../../core/digest';
import { deriveHistory, HistoryMismatchError } from '../../core/history';
import type { BackendInfo, DiskUsage, HistoryItem, ImageEvent, ImageInspect, ImageSummary, PruneReport, RemoveReportItem, SearchResult } from '../../core/model';
import { checkStore, type CheckReport } from './check';
import { appendEvents, watchEvents } from './events';
import { normaliseContainerConfig } from './image-config';
import { DRIVER, StoreLayout } from './layout';
import { loadInput } from './load';
import { withStoreLock } from './lock';
import { readLastTagTime } from './records';
import { pruneImages, Remover, validateTagTarget } from './remove';
import { familiarRef } from './repositories';
import { resolveImage } from './resolve';
import { saveImages } from './save';
import { SnapshotCache, type StoreSnapshot } from './snapshot';
import { diskUsage } from './usage';
import { writeFileAtomic } from './atomic';
import { parseReference, shortId } from '../../core/reference';
import { recoverJournal } from './journal';
import { pullImage, type PullResult } from './pull';
import { pushImage, type PushResult } from './push';
import { RegistryClient } from '../registry/registry-client';
import { searchDockerHub, searchImages } from '../registry/search';
import type { ImageWatch } from '../watch';

export const STORE_VERSION = '1.1';
const ZERO_TIME = '0001-01-01T00:00:00Z';

function goArch(arch: string): string {
  return arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : arch;
}

export class BuiltinStore implements ImageBackend, ImageManager, ImageTransfer, StoreChecker, ImageArchive {
  readonly kind = 'builtin' as const;
  // 64 config reads in flight: 10,000 of them take a quarter of the time they take 8 at a time.
  readonly parallelReads = 64;
  readonly displayName = 'Built-in store';
  // Keeps images only: no `run`.
  readonly capabilities: Capabilities = { manage: this, transfer: this, check: this, archive: this };
  readonly loads: readonly LoadInput[] = ['docker-archive', 'oci-layout'];
  readonly saves: readonly ArchiveFormat[] = ['docker', 'oci'];
  readonly layout: StoreLayout;

  private registryClient: RegistryClient | undefined;
  private readonly cache: SnapshotCache;

  /**
   * `registry`: the client pulls, pushes and searches go through (credentials, insecure hosts, its token cache),
   * shared with whoever else asks registries; one of the store's own otherwise.
   */
  constructor(root: string, options: { registry?: RegistryClient } = {}) {
    this.layout = new StoreLayout(path.resolve(root));
    this.registryClient = options.registry;
    this.cache = new SnapshotCache(this.layout);
  }

  private get registry(): RegistryClient {
    this.registryClient ??= new RegistryClient();
    return this.registryClient;
  }

  get root(): string {
    return this.layout.root;
  }

  /** The cached picture of the store, re-read when another writer (any process) changed it. Do not change it. */
  private snapshot(): Promise<StoreSnapshot> {
    return this.cache.snapshot();
  }

  /** For writers, under the lock: checked against the files whatever the stats say, and a copy to change. */
  private async snapshotToChange(): Promise<StoreSnapshot> {
    return (await this.cache.snapshot(true)).copy();
  }

  /** Runs work that writes to the store; the cached picture is dropped after it, whatever the outcome. */
  private async changing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.cache.invalidate();
    }
  }

  private locked<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.changing(() =>
      withStoreLock(
        this.layout.lockFile,
        async () => {
          await recoverJournal(this.layout);
          return work();
        },
        signal,
      ),
    );
  }

  async ping(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled.');
    try {
      await fs.mkdir(this.layout.root, { recursive: true });
      await fs.access(this.layout.root, fs.constants?.W_OK ?? 2);
    } catch (e) {
      throw new BackendError('unreachable', `The image store folder ${this.layout.root} cannot be used: ${userMessage(e)}`);
    }
  }

  async info(): Promise<BackendInfo> {
    const snap = await this.snapshot();
    return {
      Kind: 'builtin',
      Endpoint: this.layout.root,
      ServerVersion: STORE_VERSION,
      Driver: DRIVER,
      DockerRootDir: this.layout.root,
      Images: snap.byId.size,
      Layers: snap.layers.size,
      OperatingSystem: 'Image Layers built-in store',
      Architecture: goArch(process.arch),
    };
  }

  async listImages(options: { all?: boolean } = {}): Promise<ImageSummary[]> {
    const snap = await this.snapshot();
    const rows = snap
      .images()
      // Like the engine: without `all`, untagged intermediate images (parents of others) are hidden.
      .filter((img) => options.all || snap.repos.hasRefs(img.id) || snap.children(img.id).length === 0)
      .map((img) => snap.summary(img));
    return rows.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
  }

  async inspectImage(ref: string): Promise<ImageInspect> {
    const snap = await this.snapshot();
    const { id } = await resolveImage(this.layout, snap.repos, ref, snap.byId);
    const img = snap.byId.get(id);
    const stored = await snap.config(id);
    if (!img || !stored) throw new BackendError('not-found', `No such image: ${ref}`);
    const c = stored.config;
    const history = c.history ?? [];
    const inspect: ImageInspect = {
      Id: id,
      RepoTags: snap.repos.tagsOf(id),
      RepoDigests: snap.repos.digestsOf(id),
      Parent: snap.parents.get(id) ?? '',
      // The engine falls back to the last history step's comment.
      Comment: c.comment || (history.length ? (history[history.length - 1].comment ?? '') : ''),
      Created: c.created ?? ZERO_TIME,
      DockerVersion: c.docker_version ?? '',
      Author: c.author ?? '',
      Config: normaliseContainerConfig(c.config),
      Architecture: c.architecture ?? '',
      Os: c.os ?? '',
      Size: snap.imageSize(img),
      GraphDriver: { Name: DRIVER, Data: null },
      RootFS: { Type: c.rootfs.type || 'layers', Layers: [...c.rootfs.diff_ids] },
      Metadata: { LastTagTime: (await readLastTagTime(this.layout, id)) ?? ZERO_TIME },
    };
    if (c.variant) inspect.Variant = c.variant;
    if (c['os.version']) inspect.OsVersion = c['os.version'];
    return inspect;
  }

  async imageHistory(ref: string): Promise<HistoryItem[]> {
    const snap = await this.snapshot();
    const { id } = await resolveImage(this.layout, snap.repos, ref, snap.byId);
    const img = snap.byId.get(id);
    const stored = await snap.config(id);
    if (!img || !stored) throw new BackendError('not-found', `No such image: ${ref}`);
    img.chainIds.forEach((c, i) => {
      if (img.sizes[i] === null) throw new BackendError('corrupt', `Layer ${shortId(c)} of image ${shortId(id)} is missing from the store; run "image-layers check".`);
    });
    try {
      return deriveHistory({
        history: stored.config.history ?? [],
        layerSizes: img.sizes.map((s) => s ?? 0),
        ids: snap.lineage(id),
        tagsOf: (i) => snap.repos.tagsOf(i),
      });
    } catch (e) {
      if (e instanceof HistoryMismatchError) throw new BackendError('corrupt', e.message);
      throw e;
    }
  }

  async emptyLayerFlags(ref: string): Promise<boolean[] | undefined> {
    const snap = await this.snapshot();
    const { id } = await resolveImage(this.layout, snap.repos, ref, snap.byId);
    const stored = await snap.config(id);
    if (!stored) throw new BackendError('not-found', `No such image: ${ref}`);
    return (stored.config.history ?? []).map((h) => h?.empty_layer === true);
  }

  async layerFacts(): Promise<Map<string, ImageLayerFacts>> {
    const facts = new Map<string, ImageLayerFacts>();
    for (const img of (await this.snapshot()).images()) {
      // A missing layer or a history that does not fit is left to inspect and history, which say what is wrong.
      if (!img.steps || img.sizes.some((s) => s === null)) continue;
      facts.set(img.id, { diffIds: img.diffIds, chainIds: img.chainIds, sizes: img.sizes as number[], steps: img.steps });
    }
    return facts;
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    const target = validateTagTarget(repo, tag);
    const parsed = parseReference(target);
    if (!parsed) throw new BackendError('invalid-input', `"${target}" is not a valid name.`);
    const name = familiarRef(parsed);
    await this.locked(async () => {
      const snap = await this.snapshotToChange();
      const { id } = await resolveImage(this.layout, snap.repos, ref, snap.byId);
      snap.repos.set(name, id);
      await fs.mkdir(this.layout.imageMeta(id), { recursive: true });
      await writeFileAtomic(path.join(this.layout.imageMeta(id), 'lastUpdated'), new Date().toISOString());
      await snap.repos.write(this.layout.repositories);
      await appendEvents(this.layout.root, [{ Action: 'tag', Id: id }]);
    });
  }

  async removeImage(ref: string, options: RemoveOptions = {}): Promise<RemoveReportItem[]> {
    return this.locked(async () => {
      const snap = await this.snapshotToChange();
      const remover = new Remover(this.layout, snap);
      try {
        await remover.removeByInput(ref, options);
      } finally {
        await remover.finish();
        await appendEvents(this.layout.root, remover.records.map((r) => ('Untagged' in r ? { Action: 'untag', Id: r.Untagged } : { Action: 'delete', Id: r.Deleted })));
      }
      return remover.records;
    });
  }

  async pruneImages(options: { danglingOnly?: boolean } = {}): Promise<PruneReport> {
    return this.locked(async () => {
      const report = await pruneImages(this.layout, await this.snapshotToChange(), options.danglingOnly !== false);
      await appendEvents(this.layout.root, report.ImagesDeleted.length ? [{ Action: 'prune', Id: '' }] : []);
      return report;
    });
  }

  async diskUsage(): Promise<DiskUsage> {
    return diskUsage(this.layout, await this.snapshot());
  }

  searchImages(term: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<SearchResult[]> {
    return searchImages(this.registry, searchDockerHub, term, options);
  }

  async pullImage(ref: string, options: WorkOptions = {}): Promise<void> {
    await this.pullImageDetailed(ref, options);
  }

  /** pullImage with the image ID, the digest recorded and the layer blobs actually fetched. */
  async pullImageDetailed(ref: string, options: WorkOptions = {}): Promise<PullResult> {
    return this.changing(() => pullImage(this.layout, this.registry, ref, options));
  }

  async pushImage(ref: string, options: WorkOptions = {}): Promise<void> {
    await this.pushImageDetailed(ref, options);
  }

  /** pushImage with the manifest digest and which layer blobs were sent or already there. */
  async pushImageDetailed(ref: string, options: WorkOptions = {}): Promise<PushResult> {
    return this.changing(() => pushImage(this.layout, this.registry, ref, options));
  }

  async loadArchive(file: string, options: WorkOptions = {}): Promise<LoadResult> {
    const { loaded } = await this.loadArchiveDetailed(file, options);
    return { loaded };
  }

  /** loadArchive with the image IDs and the notes `docker load` prints about tags moved off other images. */
  async loadArchiveDetailed(file: string, options: WorkOptions = {}): Promise<LoadResult & { ids: string[]; notes: string[] }> {
    return this.changing(() => loadInput(this.layout, file, options));
  }

  /** `format`: `docker` (the legacy `docker save` layout, the default) or `oci` (Docker 25+: an OCI image layout). */
  async saveImages(refs: string[], file: string, options: WorkOptions & { format?: ArchiveFormat } = {}): Promise<void> {
    await saveImages(this.layout, await this.snapshot(), refs, path.resolve(file), options);
  }

  async layerTar(ref: string, diffId: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
    return createReadStream(await this.layerTarFile(ref, diffId), { signal });
  }

  async layerTarFile(ref: string, diffId: string): Promise<string> {
    const snap = await this.snapshot();
    const { id } = await resolveImage(this.layout, snap.repos, ref, snap.byId);
    const img = snap.byId.get(id);
    const wanted = parseDigest(diffId) ? diffId : `sha256:${diffId}`;
    if (!img || !img.diffIds.includes(wanted)) {
      throw new BackendError('not-found', `Image ${ref} has no layer ${diffId}.`);
    }
    const file = this.layout.layerTar(wanted);
    await fs.access(file).catch(() => {
      throw new BackendError('corrupt', `The data of layer ${shortId(wanted)} is missing from the store; run "image-layers check".`);
    });
    return file;
  }

  watch(onEvent: (e: ImageEvent) => void): ImageWatch {
    return watchEvents(this.layout.root, onEvent);
  }

  /** Verifies the store; see check.ts. */
  async check(options: { verifyData?: boolean; repair?: boolean } = {}): Promise<CheckReport> {
    return this.changing(() => withStoreLock(this.layout.lockFile, (held) => checkStore(this.layout, options, held.cleared)));
  }

  dispose(): void {
    // Nothing held open: every operation opens and closes its own files.
  }
}
