// What a backend can do beyond reading images, each a small interface of its own (as go-containerregistry splits
// v1.Image from where images go): a backend declares the ones it has; callers ask for one and get it or nothing.
import { BackendError, type ImageBackend, type LoadResult, type RemoveOptions, type WorkOptions } from './backend';
import type { PruneReport, RemoveReportItem, SearchResult } from '../core/model';
import type { CheckReport } from './store/check';

/** Tag, remove, prune: `docker tag`, `docker rmi`, `docker image prune`. */
export interface ImageManager {
  tagImage(ref: string, repo: string, tag: string): Promise<void>;
  removeImage(ref: string, options?: RemoveOptions): Promise<RemoveReportItem[]>;
  pruneImages(options?: { danglingOnly?: boolean }): Promise<PruneReport>;
}

/** Moving images between the backend and registries: `docker pull`, `docker push`, `docker search`. */
export interface ImageTransfer {
  /**
   * Docker Hub for a plain term, the registry's catalog for a term that starts with a registry host
   * (`127.0.0.1:5000/app`). At most `limit` results (default 25).
   */
  searchImages(term: string, options?: { limit?: number; signal?: AbortSignal }): Promise<SearchResult[]>;
  pullImage(ref: string, options?: WorkOptions): Promise<void>;
  pushImage(ref: string, options?: WorkOptions): Promise<void>;
}

/** Starting a container from an image. */
export interface ContainerRunner {
  /** Like `docker run -d`: creates and starts a container; returns its ID. */
  runContainer(ref: string, options: { name?: string; ports: string[] }): Promise<string>;
}

/** Verifying (and repairing) the backend's own records and data. */
export interface StoreChecker {
  check(options?: { verifyData?: boolean; repair?: boolean }): Promise<CheckReport>;
}

/** `docker save` layouts: `docker` (legacy, every engine) and `oci` (Docker 25+: an OCI image layout). */
export type ArchiveFormat = 'docker' | 'oci';

/** What `loadArchive` reads: `docker save` archives (plain, gzip or zstd), and OCI image layouts (a folder or its tar). */
export type LoadInput = 'docker-archive' | 'oci-layout';

/** Images in and out of files: `docker load` and `docker save`, with the formats each side accepts. */
export interface ImageArchive {
  readonly loads: readonly LoadInput[];
  readonly saves: readonly ArchiveFormat[];
  loadArchive(path: string, options?: WorkOptions): Promise<LoadResult>;
  /** Writes an archive of the images to a file; `format` one of `saves`, `docker` by default. */
  saveImages(refs: string[], path: string, options?: WorkOptions & { format?: ArchiveFormat }): Promise<void>;
}

/** What a backend declares; an absent member is a capability it does not have. */
export interface Capabilities {
  manage?: ImageManager;
  transfer?: ImageTransfer;
  run?: ContainerRunner;
  check?: StoreChecker;
  archive?: ImageArchive;
}

export type CapabilityName = keyof Capabilities;

/** Every capability by name, in the order the UI's context keys (`imageLayers.can.<name>`) are set. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = ['manage', 'transfer', 'run', 'check', 'archive'];

const WHAT: Record<CapabilityName, string> = {
  manage: 'tag or remove images',
  transfer: 'pull, push or search images',
  run: 'run containers',
  check: 'check its own records',
  archive: 'load or save image archives',
};

/** The capability, or a BackendError of kind 'unsupported' that says, in a sentence, what the backend cannot do. */
export function requireCapability<K extends CapabilityName>(backend: ImageBackend, name: K): NonNullable<Capabilities[K]> {
  const capability = backend.capabilities[name];
  if (!capability) throw new BackendError('unsupported', `${backend.displayName} cannot ${WHAT[name]}.`);
  return capability as NonNullable<Capabilities[K]>;
}
