import type { Capabilities } from './capabilities';
import type {
  BackendInfo,
  BackendKind,
  DiskUsage,
  HistoryItem,
  ImageEvent,
  ImageInspect,
  ImageSummary,
  Progress,
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

/**
 * The sentence a user sees for anything thrown: a BackendError's own, another error's message (never its class
 * name, as String(e) gives, nor "[object Object]"), a thrown string as it is; `fallback` when there is no text.
 */
export function userMessage(e: unknown, fallback = 'Something went wrong, and it did not say what.'): string {
  const message = typeof e === 'string' ? e : (e as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message.trim() ? message.trim() : fallback;
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
 * Where images come from, read only: a real engine or the built-in store. Every method answers in the Engine API's
 * shapes (core/model.ts) and fails with a BackendError. What a backend can do beyond reading it declares in
 * `capabilities` (capabilities.ts); callers ask there, never for the backend's class or kind.
 * `ref` is anything `docker image inspect` accepts: a name[:tag], name@digest, a full or short ID.
 */
export interface ImageSource {
  /** What answers, as `info().Kind` names it: which way an engine normalises, never what it can do. */
  readonly kind: BackendKind;
  /** The name a user knows it by: "Docker", "Podman", "Built-in store". */
  readonly displayName: string;
  /**
   * How many reads (inspect, history) it serves well at once: the catalog's bound. An engine's API takes a few;
   * a folder of files many more, since each read waits on the file system, not on this thread. Default 8.
   */
  readonly parallelReads?: number;
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
  /**
   * Every image's layers with their sizes and build steps, by image ID, where the backend keeps them in one index
   * (the store's summary): the Layers view then reads no config. An image left out is inspected as before.
   */
  layerFacts?(): Promise<Map<string, ImageLayerFacts>>;
  diskUsage(): Promise<DiskUsage>;
  /**
   * The uncompressed tar of one layer as a file on this machine, where the backend keeps it as one (the store):
   * a file is then read from its offset in it. Absent where layers come only as streams (an engine).
   */
  layerTarFile?(ref: string, diffId: string): Promise<string>;
  /** The uncompressed tar of one layer of an image, by its diff ID. */
  layerTar(ref: string, diffId: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
  /**
   * Several layers of an image in one pass, where reading one layer costs a pass over the whole image (an
   * engine's `docker save`): `read` gets each wanted layer's tar as it goes by; the results come back by diff ID.
   * Absent where layerTar is cheap (the store reads its own files).
   */
  readLayers?<T>(ref: string, diffIds: readonly string[], read: (tar: NodeJS.ReadableStream) => Promise<T>, signal?: AbortSignal): Promise<Map<string, T>>;
  /**
   * Calls back on changes to images, and on the event source going and coming back (`onState`); returns undefined
   * when the backend has no event stream (poll instead).
   */
  watch(onEvent: (e: ImageEvent) => void, onState?: (s: WatchState) => void): ImageWatch | undefined;
  dispose(): void;
}

/** An image source and what else it declares it can do. */
/** What the Layers view shows of one image's layers, bottom to top (RootFS order). */
export interface ImageLayerFacts {
  diffIds: readonly string[];
  /** Kept with the diff IDs, so that the index need not hash them again. */
  chainIds: readonly string[];
  sizes: readonly number[];
  steps: readonly string[];
}

export interface ImageBackend extends ImageSource {
  readonly capabilities: Capabilities;
}
