// ImageBackend on a real engine (Docker or Podman's Docker-compatible API), through dockerode.
// dockerode is loaded at first use: requiring it costs ~180 ms, which must stay off the extension's activation.
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough, Transform } from 'stream';
import { pipeline as pipe } from 'stream';
import { pipeline } from 'stream/promises';
import type Dockerode from 'dockerode';
import type {
  BackendInfo,
  DiskUsage,
  HistoryItem,
  ImageEvent,
  ImageInspect,
  ImageSummary,
  Progress,
  ProgressMessage,
  PruneReport,
  SearchResult,
} from '../../core/model';
import { progressOf } from '../../core/progress-stream';
import { DEFAULT_TAG, parseReference, splitName } from '../../core/reference';
import {
  BackendError,
  userMessage,
  type ImageBackend,
  type LoadResult,
  type RemoveOptions,
  type WorkOptions,
} from '../backend';
import { resolveConnection, type DockerConnectionOptions, type ResolvedConnection } from './connection';
import { emptyLayerFlags, localConfigFlags } from './config-history';
import { localDiskParts } from './disk-parts';
import { dialEngine, type DialModem } from './engine-dial';
import { isAbort, toBackendError } from './errors';
import { followEvents } from './event-stream';
import { limits } from '../limits';
import { messageError, readJsonLines } from './json-stream';
import {
  normaliseDiskUsage,
  normaliseHistory,
  normaliseId,
  normaliseInspect,
  normaliseRemoveReport,
  normaliseSummary,
  type EngineKind,
} from './normalise';
import { podmanCandidates } from './names';
import { podmanDiskUsage } from './podman-df';
import { loginCommand, registryLogin, serverName } from '../registry/credentials';
import { RegistryClient } from '../registry/registry-client';
import type { ArchiveFormat, Capabilities, ContainerRunner, ImageArchive, ImageManager, ImageTransfer, LoadInput } from '../capabilities';
import { searchImages, searchRows } from '../registry/search';
import type { ImageWatch, WatchState } from '../watch';


/** What a `docker save` stream may run ahead of its reader. */
const SAVE_READ_AHEAD = 8 << 20;
export interface DockerBackendOptions extends DockerConnectionOptions {
  /** The engine's kind when already known; otherwise it is read from GET /version at first use. */
  kind?: EngineKind;
  /** The registry client searches of a registry's catalog go through; one of its own otherwise. */
  registry?: RegistryClient;
}

type Query = Record<string, string | number | boolean | string[] | Record<string, string[]> | undefined>;

interface DialSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Query;
  /** HTTP codes that count as success (default 200, 201, 204). */
  ok?: number[];
  stream?: boolean;
  signal?: AbortSignal;
  file?: NodeJS.ReadableStream;
  authconfig?: Record<string, string>;
  headers?: Record<string, string>;
  /** A JSON request body. */
  body?: unknown;
  /** The answer must start within this (default: limits.ts, by the kind of request). */
  answerMs?: number;
  /** A stream that may stay silent for as long as it likes (the event stream). */
  idle?: boolean;
}

/** The part of docker-modem this backend uses (dockerode types it as `any`). */
interface Modem {
  followProgress(
    stream: NodeJS.ReadableStream,
    onFinished: (err: unknown, output: unknown[]) => void,
    onProgress?: (event: Record<string, unknown>) => void,
  ): void;
}

type DockerodeClass = typeof Dockerode;
let dockerodeClass: Promise<DockerodeClass> | undefined;
function loadDockerode(): Promise<DockerodeClass> {
  dockerodeClass ??= import('dockerode').then((m) => (m as unknown as { default?: DockerodeClass }).default ?? (m as unknown as DockerodeClass));
  return dockerodeClass;
}

// A ref goes into the URL path as the Engine API expects it (slashes included); these would break the URL.
const BAD_REF = /[\s?#%]/;

/** An event of the engine's stream, passed on as it came (the CLI prints it, `--json` as JSON). */
function progressOfEvent(event: Record<string, unknown>): Progress {
  return progressOf(event as ProgressMessage);
}

export class DockerBackend implements ImageBackend, ImageManager, ImageTransfer, ContainerRunner, ImageArchive {
  // Engines keep their own records: no `check`.
  readonly capabilities: Capabilities = { manage: this, transfer: this, run: this, archive: this };
  readonly loads: readonly LoadInput[] = ['docker-archive'];
  // Docker 25+ writes OCI layouts from `docker save`; the oldest engines this supports do not.
  readonly saves: readonly ArchiveFormat[] = ['docker'];
  private detectedKind: EngineKind | undefined;
  private client: Promise<Dockerode> | undefined;
  private versionProbe: Promise<EngineKind> | undefined;
  private registryClient: RegistryClient | undefined;
  private apiVersion: string | undefined;
  private readonly connection: ResolvedConnection | BackendError;
  private readonly openStreams = new Set<{ destroy(): void }>();
  private disposed = false;
  /** The engine's root and storage driver when it is local (for reading its config files), asked once. */
  private localRoot: Promise<{ root: string; driver: string } | undefined> | undefined;

  constructor(private readonly options: DockerBackendOptions = {}) {
    this.detectedKind = options.kind;
    this.registryClient = options.registry;
    try {
      this.connection = resolveConnection(options);
    } catch (e) {
      // A bad address is reported by the first call, not by the constructor, so wiring never throws.
      this.connection = BackendError.is(e) ? e : new BackendError('invalid-input', 'The engine address could not be read.');
    }
  }

  /** 'docker' until the engine has answered GET /version (first call) and said it is Podman. */
  get kind(): EngineKind {
    return this.detectedKind ?? 'docker';
  }

  get displayName(): string {
    return this.kind === 'podman' ? 'Podman' : 'Docker';
  }

  /** The address in use, e.g. `unix:///var/run/docker.sock`. */
  get endpoint(): string {
    return this.connection instanceof BackendError ? this.options.host ?? '' : this.connection.endpoint;
  }

  private docker(): Promise<Dockerode> {
    if (this.connection instanceof BackendError) return Promise.reject(this.connection);
    if (this.disposed) return Promise.reject(new BackendError('cancelled', 'The engine connection was closed.'));
    const { dockerOptions } = this.connection;
    this.client ??= loadDockerode().then((D) => {
      try {
        return new D(dockerOptions);
      } catch (e) {
        // docker-modem reads DOCKER_CERT_PATH files when it starts; a missing one lands here.
        throw new BackendError('invalid-input', `The engine connection could not be set up: ${userMessage(e)}`);
      }
    });
    return this.client;
  }

  /** One request to the engine, with its errors already BackendErrors and its deadlines kept (engine-dial.ts). */
  private async dial<T>(spec: DialSpec, what: string): Promise<T> {
    const docker = await this.docker();
    const query: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) query[k] = v;
    const ok = spec.ok ?? [200, 201, 204];
    const statusCodes: Record<number, true | string> = { 400: 'bad parameter', 404: 'not found', 409: 'conflict', 500: 'server error' };
    for (const code of ok) statusCodes[code] = true;
    // Reads answer at once; requests that make the engine work (and every stream) may take longer to start.
    const quick = spec.method === 'GET' && !spec.stream;
    return (await dialEngine(docker.modem as unknown as DialModem, {
      options: {
        path: `${spec.path}?`,
        method: spec.method,
        // docker-modem sends a POST's options as its query and its JSON body, or _query and _body when split.
        options: spec.body === undefined ? query : { _query: query, _body: spec.body },
        statusCodes,
        authconfig: spec.authconfig,
        headers: spec.headers,
      },
      signal: spec.signal,
      upload: spec.file,
      stream: spec.stream ?? false,
      timing: {
        answerMs: spec.answerMs ?? (quick || spec.idle ? limits.engineAnswerMs : limits.engineWorkAnswerMs),
        silenceMs: spec.idle ? undefined : limits.engineSilenceMs,
      },
      endpoint: this.endpoint,
      what,
    })) as T;
  }

  /** Reads GET /version once to tell Docker from Podman (Podman names itself in Components / Platform). */
  private detectKind(): Promise<EngineKind> {
    this.versionProbe ??= this.dial<Record<string, unknown>>({ method: 'GET', path: '/version' }, 'read the engine version')
      .then((v) => {
        const components = Array.isArray(v.Components) ? (v.Components as { Name?: string }[]) : [];
        const platform = (v.Platform ?? {}) as { Name?: string };
        const podman = components.some((c) => /podman/i.test(c.Name ?? '')) || /podman/i.test(platform.Name ?? '');
        this.apiVersion = typeof v.ApiVersion === 'string' ? v.ApiVersion : undefined;
        this.detectedKind = this.options.kind ?? (podman ? 'podman' : 'docker');
        return this.detectedKind;
      })
      .catch((e: unknown) => {
        this.versionProbe = undefined; // the engine may come up later
        throw e;
      });
    return this.versionProbe;
  }

  private checkRef(ref: string): string {
    if (!ref || BAD_REF.test(ref)) throw new BackendError('invalid-input', `"${ref}" is not an image name or ID.`);
    return ref;
  }

  /**
   * Runs `call` with `ref`; on Podman a short name that is not found is tried again with the names Podman
   * gives short names (docker.io/…, docker.io/library/…, localhost/…), so either spelling finds the image.
   */
  private async withRef<T>(ref: string, call: (name: string) => Promise<T>): Promise<T> {
    this.checkRef(ref);
    const kind = await this.detectKind();
    try {
      return await call(ref);
    } catch (e) {
      if (kind !== 'podman' || !BackendError.is(e, 'not-found')) throw e;
      for (const alt of podmanCandidates(ref)) {
        try {
          return await call(alt);
        } catch (e2) {
          if (!BackendError.is(e2, 'not-found')) throw e2;
        }
      }
      throw e;
    }
  }

  async ping(signal?: AbortSignal): Promise<void> {
    await this.dial<unknown>({ method: 'GET', path: '/_ping', signal, answerMs: this.options.connectTimeoutMs ?? limits.enginePingMs }, 'reach the engine');
    await this.detectKind();
  }

  async info(): Promise<BackendInfo> {
    const kind = await this.detectKind();
    const i = await this.dial<Record<string, unknown>>({ method: 'GET', path: '/info' }, 'read the engine info');
    const s = (v: unknown) => (typeof v === 'string' ? v : '');
    return {
      Kind: kind,
      Endpoint: this.endpoint,
      ServerVersion: s(i.ServerVersion),
      ApiVersion: this.apiVersion,
      Driver: s(i.Driver),
      DockerRootDir: s(i.DockerRootDir),
      Images: typeof i.Images === 'number' ? i.Images : 0,
      OperatingSystem: s(i.OperatingSystem) || undefined,
      Architecture: s(i.Architecture) || undefined,
    };
  }

  async listImages(options: { all?: boolean } = {}): Promise<ImageSummary[]> {
    const kind = await this.detectKind();
    const rows = await this.dial<unknown[]>({ method: 'GET', path: '/images/json', query: { all: options.all ? 1 : undefined } }, 'list images');
    return (Array.isArray(rows) ? rows : []).map((r) => normaliseSummary(r, kind));
  }

  inspectImage(ref: string): Promise<ImageInspect> {
    return this.withRef(ref, async (name) =>
      normaliseInspect(await this.dial<unknown>({ method: 'GET', path: `/images/${name}/json` }, `inspect ${ref}`)),
    );
  }

  private rawHistory(ref: string): Promise<HistoryItem[]> {
    return this.withRef(ref, async (name) =>
      normaliseHistory(await this.dial<unknown>({ method: 'GET', path: `/images/${name}/history` }, `read the history of ${ref}`)),
    );
  }

  async imageHistory(ref: string): Promise<HistoryItem[]> {
    const rows = await this.rawHistory(ref);
    if (this.kind === 'podman') {
      // Podman leaves Tags empty; Docker names the tags of each row that is a local image. Filled in likewise.
      const tags = new Map((await this.listImages()).map((i) => [i.Id, i.RepoTags]));
      for (const row of rows) if (!row.Tags && tags.get(row.Id)?.length) row.Tags = [...(tags.get(row.Id) ?? [])];
    }
    return rows;
  }

  /** The config's `empty_layer` flags: Podman's libpod inspect has them; Docker's only in its root, when readable. */
  async emptyLayerFlags(ref: string): Promise<boolean[] | undefined> {
    const kind = await this.detectKind();
    if (kind === 'podman') {
      return this.withRef(ref, async (name) => {
        const raw = await this.dial<{ History?: unknown }>({ method: 'GET', path: `/v4.0.0/libpod/images/${name}/json` }, `inspect ${ref}`);
        return emptyLayerFlags(raw?.History);
      });
    }
    if (!this.endpoint.startsWith('unix://')) return undefined;
    this.localRoot ??= this.info().then(
      (i) => ({ root: i.DockerRootDir, driver: i.Driver }),
      () => undefined,
    );
    const where = await this.localRoot;
    if (!where) return undefined;
    const id = /^sha256:[0-9a-f]{64}$/.test(ref) ? ref : (await this.inspectImage(ref)).Id;
    return localConfigFlags(where.root, where.driver, id);
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    this.checkRef(`${repo}:${tag}`);
    await this.withRef(ref, (name) =>
      this.dial<unknown>({ method: 'POST', path: `/images/${name}/tag`, query: { repo, tag } }, `tag ${ref} as ${repo}:${tag}`),
    );
  }

  removeImage(ref: string, options: RemoveOptions = {}) {
    return this.withRef(ref, async (name) =>
      normaliseRemoveReport(
        await this.dial<unknown>(
          { method: 'DELETE', path: `/images/${name}`, query: { force: options.force || undefined, noprune: options.noPrune || undefined } },
          `remove ${ref}`,
        ),
      ),
    );
  }

  async pruneImages(options: { danglingOnly?: boolean } = {}): Promise<PruneReport> {
    await this.detectKind();
    const dangling = options.danglingOnly ?? true;
    const r = await this.dial<Record<string, unknown>>(
      { method: 'POST', path: '/images/prune', query: { filters: { dangling: [dangling ? 'true' : 'false'] } } },
      'prune images',
    );
    return {
      ImagesDeleted: normaliseRemoveReport(r?.ImagesDeleted),
      SpaceReclaimed: typeof r?.SpaceReclaimed === 'number' ? r.SpaceReclaimed : 0,
    };
  }

  async diskUsage(): Promise<DiskUsage> {
    const kind = await this.detectKind();
    const usage =
      kind === 'podman'
        ? await podmanDiskUsage({
            listImages: () => this.listImages(),
            inspectImage: (id) => this.inspectImage(id),
            imageHistory: (id) => this.rawHistory(id),
          })
        : normaliseDiskUsage(await this.dial<unknown>({ method: 'GET', path: '/system/df' }, 'read the disk usage'), kind);
    if (this.endpoint.startsWith('unix://')) {
      try {
        const info = await this.info();
        const parts = await localDiskParts(kind, info.DockerRootDir, info.Driver);
        if (parts) usage.Parts = parts;
      } catch {
        // Parts are extra: the engine's own figures stand without them.
      }
    }
    return usage;
  }

  /** Follows a pull/push progress stream; fails when any event carried an error (followProgress does not). */
  private async follow(stream: NodeJS.ReadableStream, what: string, options: WorkOptions): Promise<void> {
    const modem = (await this.docker()).modem as unknown as Modem;
    let failure: string | undefined;
    this.openStreams.add(stream as unknown as { destroy(): void });
    try {
      await new Promise<void>((resolve, reject) => {
        modem.followProgress(
          stream,
          (err) => (err ? reject(err) : resolve()),
          (event) => {
            failure ??= messageError(event);
            options.onProgress?.(progressOfEvent(event));
          },
        );
      });
    } catch (e) {
      throw toBackendError(e, this.endpoint, what);
    } finally {
      this.openStreams.delete(stream as unknown as { destroy(): void });
    }
    if (options.signal?.aborted) throw new BackendError('cancelled', `Cancelled: ${what}.`);
    if (failure) {
      const kind = /not found|manifest unknown|does not exist|no such/i.test(failure) ? 'not-found' : 'failed';
      throw new BackendError(kind, `Could not ${what}: ${failure}`);
    }
  }

  /** `docker run -d [--name N] [-p HOST:CONTAINER[/proto]]… IMAGE`: creates and starts; returns the container ID. */
  async runContainer(ref: string, options: { name?: string; ports: string[] }): Promise<string> {
    this.checkRef(ref);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostPort: string }[]> = {};
    for (const spec of options.ports) {
      const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(spec.trim());
      if (!m) throw new BackendError('invalid-input', `"${spec}" is not a port to publish; use HOST:CONTAINER[/tcp|udp].`);
      const key = `${m[2]}/${m[3] ?? 'tcp'}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostPort: m[1] ?? '' });
    }
    const what = `run ${ref}`;
    const created = await this.dial<{ Id?: string }>(
      {
        method: 'POST',
        path: '/containers/create',
        query: { name: options.name },
        ok: [201],
        body: { Image: ref, ExposedPorts: exposed, HostConfig: { PortBindings: bindings } },
      },
      what,
    );
    const id = typeof created?.Id === 'string' ? created.Id : '';
    if (!id) throw new BackendError('failed', `Could not ${what}: the engine did not say which container it made.`);
    await this.dial<unknown>({ method: 'POST', path: `/containers/${id}/start`, ok: [204, 304] }, what);
    return id;
  }

  searchImages(term: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<SearchResult[]> {
    // Engines search a registry of one's own through its v1 search API, which registry v2 servers lack: that goes
    // to the catalog; Docker Hub goes through the engine.
    this.registryClient ??= new RegistryClient();
    return searchImages(this.registryClient, (t, limit, signal) => this.searchHub(t, limit, signal), term, options);
  }

  private async searchHub(term: string, limit: number, signal?: AbortSignal): Promise<SearchResult[]> {
    await this.detectKind();
    try {
      const body = await this.dial<unknown>({ method: 'GET', path: '/images/search', query: { term, limit }, signal }, `search for ${term}`);
      return searchRows(body).slice(0, limit);
    } catch (e) {
      if (BackendError.is(e) && e.kind === 'failed' && /dial tcp|lookup|no such host|connection refused|timeout|i\/o timeout|pinging/i.test(e.message)) {
        throw new BackendError('unreachable', `The engine cannot reach Docker Hub to search: ${e.message.replace(/^Could not search for [^:]*: /, '').replace(/\.?$/, '.')} To search a registry of your own, start the term with its host (registry.example/name).`, e.detail);
      }
      throw e;
    }
  }

  async pullImage(ref: string, options: WorkOptions = {}): Promise<void> {
    this.checkRef(ref);
    await this.detectKind();
    const { repository, tag, digest } = splitName(ref);
    try {
      const stream = await this.dial<NodeJS.ReadableStream>(
        { method: 'POST', path: '/images/create', query: { fromImage: repository, tag: digest ?? tag ?? DEFAULT_TAG }, stream: true, signal: options.signal, authconfig: await authFor(ref) },
        `pull ${ref}`,
      );
      await this.follow(stream, `pull ${ref}`, options);
    } catch (e) {
      throw withLoginHint(e, ref);
    }
  }

  async pushImage(ref: string, options: WorkOptions = {}): Promise<void> {
    this.checkRef(ref);
    await this.detectKind();
    const { repository, tag, digest } = splitName(ref);
    try {
      const stream = await this.dial<NodeJS.ReadableStream>(
        { method: 'POST', path: `/images/${repository}/push`, query: { tag: digest ?? tag }, stream: true, signal: options.signal, authconfig: await authFor(ref) },
        `push ${ref}`,
      );
      await this.follow(stream, `push ${ref}`, options);
    } catch (e) {
      throw withLoginHint(e, ref);
    }
  }

  async loadArchive(file: string, options: WorkOptions = {}): Promise<LoadResult> {
    await this.detectKind();
    let size: number;
    try {
      size = (await fs.promises.stat(file)).size;
    } catch {
      throw new BackendError('not-found', `There is no archive at ${file}.`);
    }
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        options.onProgress?.({ message: `Sending ${path.basename(file)}`, fraction: size ? sent / size : undefined });
        done(null, chunk);
      },
    });
    const body = fs.createReadStream(file).pipe(counter);
    const what = `load ${path.basename(file)}`;
    const response = await this.dial<NodeJS.ReadableStream>(
      { method: 'POST', path: '/images/load', query: { quiet: 0 }, stream: true, signal: options.signal, file: body, headers: { 'Content-Type': 'application/x-tar' } },
      what,
    );
    const loaded: string[] = [];
    let failure: string | undefined;
    try {
      await readJsonLines(response, (o) => {
        failure ??= messageError(o);
        const text = typeof o.stream === 'string' ? o.stream : '';
        // Docker: "Loaded image: x:t" / "Loaded image ID: sha256:…"; Podman: "Loaded image(s): a,b" or one a line.
        for (const line of text.split('\n')) {
          const m = /^Loaded image(?:\(s\))?(?: ID)?:\s*(.+)$/.exec(line.trim());
          if (m) for (const n of m[1].split(',')) if (n.trim()) loaded.push(normaliseId(n.trim()));
        }
        if (o.status || o.stream) options.onProgress?.(progressOfEvent(o));
      });
    } catch (e) {
      throw toBackendError(e, this.endpoint, what);
    }
    if (options.signal?.aborted) throw new BackendError('cancelled', `Cancelled: ${what}.`);
    if (failure) throw new BackendError('invalid-input', `Could not ${what}: ${failure}`);
    return { loaded };
  }

  async saveImages(refs: string[], file: string, options: WorkOptions & { format?: ArchiveFormat } = {}): Promise<void> {
    if (refs.length === 0) throw new BackendError('invalid-input', 'No images were given to save.');
    if (options.format && !this.saves.includes(options.format)) {
      throw new BackendError('unsupported', `${this.displayName} saves archives in the ${this.saves.join(', ')} format only, not ${options.format}.`);
    }
    refs.forEach((r) => this.checkRef(r));
    const kind = await this.detectKind();
    let names = refs;
    if (kind === 'podman') {
      // Podman's /images/get does not look short names up the way inspect does: send the names it knows.
      names = await Promise.all(refs.map(async (r) => ((await this.inspectImage(r)).RepoTags.find((t) => t.endsWith(r)) ?? r)));
    }
    const what = `save ${refs.join(', ')}`;
    const stream = await this.dial<NodeJS.ReadableStream>(
      { method: 'GET', path: '/images/get', query: { names }, stream: true, signal: options.signal },
      what,
    );
    const partial = `${file}.partial`;
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        options.onProgress?.({ message: `Writing ${path.basename(file)}: ${Math.round(written / 1e6)} MB` });
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, counter, fs.createWriteStream(partial));
      await fs.promises.rename(partial, file);
    } catch (e) {
      await fs.promises.rm(partial, { force: true });
      if (isAbort(e) || options.signal?.aborted) throw new BackendError('cancelled', `Cancelled: ${what}.`);
      throw toBackendError(e, this.endpoint, what);
    }
  }

  async layerTar(ref: string, diffId: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
    const { stream, release } = await this.saveStream(ref, [diffId], signal);
    // tar-stream is loaded here, not at activation.
    const { findLayerInArchive } = await import('./layer-tar');
    return findLayerInArchive(stream, diffId, release, signal);
  }

  async readLayers<T>(ref: string, diffIds: readonly string[], read: (tar: NodeJS.ReadableStream) => Promise<T>, signal?: AbortSignal): Promise<Map<string, T>> {
    const { stream, release } = await this.saveStream(ref, diffIds, signal);
    const { readLayersInArchive } = await import('./layer-tar');
    return readLayersInArchive(stream, diffIds, read, release, signal);
  }

  /** `docker save` of the one image `ref` names, once it is known to hold the layers `diffIds`. */
  private async saveStream(ref: string, diffIds: readonly string[], signal?: AbortSignal): Promise<{ stream: NodeJS.ReadableStream; release: () => void }> {
    const image = await this.inspectImage(ref);
    const absent = diffIds.find((d) => !image.RootFS.Layers.includes(d));
    if (absent) throw new BackendError('not-found', `${ref} has no layer ${absent.slice(0, 19)}….`);
    // Saving by ID keeps the archive to this one image, whatever name it goes by.
    const id = image.Id.replace(/^sha256:/, '');
    const what = `read the layers of ${ref}`;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.dial<NodeJS.ReadableStream>({ method: 'GET', path: '/images/get', query: { names: [id] }, stream: true, signal }, what);
    } catch (e) {
      // Podman refuses a docker-format save of zstd layers; its own OCI archive of the same image carries them
      // (as gzip blobs the layer reader matches by diff ID).
      if ((await this.detectKind()) !== 'podman' || !/zstd/i.test(BackendError.is(e) ? `${e.message} ${e.detail ?? ''}` : '')) throw e;
      stream = await this.dial<NodeJS.ReadableStream>(
        { method: 'GET', path: `/v4.0.0/libpod/images/${id}/get`, query: { format: 'oci-archive' }, stream: true, signal },
        what,
      );
    }
    const opened = stream;
    // The response holds 16 KiB before the socket pauses: the engine then waits whenever this thread parses or
    // hashes. A few MiB between them let it write on meanwhile, as it does to the docker CLI.
    const ahead = new PassThrough({ highWaterMark: SAVE_READ_AHEAD });
    pipe(opened, ahead, () => undefined);
    return { stream: ahead, release: () => (opened as unknown as { destroy(): void }).destroy() };
  }

  watch(onEvent: (e: ImageEvent) => void, onState?: (s: WatchState) => void): ImageWatch {
    const open = (since: number, signal: AbortSignal) =>
      this.dial<NodeJS.ReadableStream>(
        { method: 'GET', path: '/events', query: { since: String(since), filters: { type: ['image'] } }, stream: true, idle: true, signal },
        'watch image events',
      );
    const watch = followEvents({ endpoint: this.endpoint, open }, onEvent, onState);
    const held = { destroy: () => watch.dispose() };
    this.openStreams.add(held);
    return { ready: watch.ready, dispose: () => (this.openStreams.delete(held), watch.dispose()) };
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.openStreams) s.destroy();
    this.openStreams.clear();
  }
}

/**
 * The X-Registry-Auth the engine gets for a pull or push: the user's saved login for the image's registry, as the
 * CLI sends it (the engine reads no login files itself). The engine refuses a push without the header; an empty
 * config means "no credentials".
 */
async function authFor(ref: string): Promise<Record<string, string>> {
  const registry = parseReference(ref)?.registry;
  const login = registry ? await registryLogin(registry) : undefined;
  if (!login || !registry) return {};
  // The engine does the OAuth2 exchange for an identity token itself, as for `docker pull` after such a login.
  if (login.identityToken) return { identitytoken: login.identityToken, serveraddress: serverName(registry) };
  return { username: login.username, password: login.password, serveraddress: serverName(registry) };
}

/** A registry's refusal says how to log in (the engine's own words name no command). */
function withLoginHint(e: unknown, ref: string): unknown {
  if (!BackendError.is(e) || !/no basic auth credentials|unauthorized|authentication required|access.*denied/i.test(e.message)) return e;
  return new BackendError(e.kind, `${e.message.replace(/\.?$/, '.')} Log in with "${loginCommand(parseReference(ref)?.registry ?? '')}", then try again.`, e.detail);
}
