import type {
  BackendInfo,
  DiskUsage,
  HistoryItem,
  ImageEvent,
  ImageInspect,
  ImageSummary,
  Progress,
  PruneReport,
  RemoveReportItem,
  SearchResult,
} from '../core/model';
import type { ImageWatch, WatchState } from './watch';

export type BackendErrorKind =
  | 'unreachable'
  | 'not-found'
  | 'conflict'
  | 'invalid-input'
  | 'corrupt'
  | 'cancelled'
  | 'unsupported'
  | 'failed';

/** An error as a value: a kind to branch on and a sentence a user understands. Never a stack trace in a view. */
export class BackendError extends Error {
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
  static is(e: unknown, kind?: BackendErrorKind): e is BackendError {
    return (
      e instanceof Error && e.name === 'BackendError' && (kind === undefined || (e as BackendError).kind === kind)
    );
  }
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A failed system call (a read, a write, an open): the file system's trouble, not the bytes'. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return typeof (e as NodeJS.ErrnoException | undefined)?.syscall === 'string';
}

/** What long work accepts: a way to report progress and a way to be cancelled. */
export interface WorkOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface RemoveOptions {
  force?: boolean;
  noPrune?: boolean;
}

export interface LoadResult {
  /** The `repo:tag` names and, for untagged images, the IDs that were loaded, as `docker load` prints them. */
  loaded: string[];
}

export interface Disposable {
  dispose(): void;
}

/**
 * Where images come from: a real engine or the built-in store. Every method answers in the Engine API's shapes
 * (core/model.ts) and fails with a BackendError.
 * `ref` is anything `docker image inspect` accepts: a name[:tag], name@digest, a full or short ID.
 */
export interface ImageBackend {
  readonly kind: 'docker' | 'podman' | 'builtin';
  /** Checks the backend answers; fails with kind 'unreachable' when not. */
  ping(signal?: AbortSignal): Promise<void>;
  info(): Promise<BackendInfo>;
  listImages(options?: { all?: boolean }): Promise<ImageSummary[]>;
  inspectImage(ref: string): Promise<ImageInspect>;
  imageHistory(ref: string): Promise<HistoryItem[]>;
  /**
   * The image config's `empty_layer` flag of each history step, oldest first, where the raw config is cheap to
   * read (the store; Podman; a local Docker whose root is readable); undefined elsewhere. It decides which step
   * made which layer where `/history` sizes cannot (core/layers.ts).
   */
  emptyLayerFlags?(ref: string): Promise<boolean[] | undefined>;
  tagImage(ref: string, repo: string, tag: string): Promise<void>;
  removeImage(ref: string, options?: RemoveOptions): Promise<RemoveReportItem[]>;
  pruneImages(options?: { danglingOnly?: boolean }): Promise<PruneReport>;
  diskUsage(): Promise<DiskUsage>;
  /**
   * `docker search`: Docker Hub for a plain term, the registry's catalog for a term that starts with a registry host
   * (`127.0.0.1:5000/app`). At most `limit` results (default 25).
   */
  searchImages(term: string, options?: { limit?: number; signal?: AbortSignal }): Promise<SearchResult[]>;
  pullImage(ref: string, options?: WorkOptions): Promise<void>;
  pushImage(ref: string, options?: WorkOptions): Promise<void>;
  /** Loads a `docker save` archive (or, on the store, an OCI layout) from a file. */
  loadArchive(path: string, options?: WorkOptions): Promise<LoadResult>;
  /** Writes a `docker save` archive of the images to a file. */
  saveImages(refs: string[], path: string, options?: WorkOptions): Promise<void>;
  /** The uncompressed tar of one layer of an image, by its diff ID. */
  layerTar(ref: string, diffId: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
  /**
   * Several layers of an image in one pass, where reading one layer costs a pass over the whole image (an
   * engine's `docker save`): `read` gets each wanted layer's tar as it goes by; the results come back by diff ID.
   * Absent where layerTar is cheap (the store reads its own files).
   */
  readLayers?<T>(ref: string, diffIds: readonly string[], read: (tar: NodeJS.ReadableStream) => Promise<T>, signal?: AbortSignal): Promise<Map<string, T>>;
  /** Starts a container from the image, detached, like `docker run -d`; absent where the backend cannot run one. */
  runContainer?(ref: string, options: { name?: string; ports: string[] }): Promise<string>;
  /**
   * Calls back on changes to images, and on the event source going and coming back (`onState`); returns undefined
   * when the backend has no event stream (poll instead).
   */
  watch(onEvent: (e: ImageEvent) => void, onState?: (s: WatchState) => void): ImageWatch | undefined;
  dispose(): void;
}
