// One data model for every backend, shaped like the Engine API's responses, so that a view
// cannot tell which backend fed it. Backends normalise into these shapes once.

/** GET /images/json, one row. Podman's nulls and missing prefixes are normalised away. */
export interface ImageSummary {
  /** `sha256:<64 hex>` */
  Id: string;
  /** `sha256:…` or '' */
  ParentId: string;
  /** `repo:tag` names; `[]` for an untagged (dangling) image, never null. */
  RepoTags: string[];
  /** `repo@sha256:…` names; `[]` when none. */
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  /** Bytes of all layers (the image's full size). */
  Size: number;
  /** Bytes shared with other images; -1 when the backend did not compute it. */
  SharedSize: number;
  /** null when the image config has none, as dockerd answers. */
  Labels: Record<string, string> | null;
  /** Containers using the image; -1 when unknown. */
  Containers: number;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** The runnable config of an image (the `config` object of the image config JSON). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig | null;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[] | null;
}

/** GET /images/{name}/json */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  /** RFC 3339 */
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime?: string };
}

/** GET /images/{name}/history, one row, newest first like the Engine API. */
export interface HistoryItem {
  /** `sha256:…` of the image made by this step, or `<missing>`. */
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  /** Tags of the local image the row names; null when none, as dockerd answers. */
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** Result rows of DELETE /images/{name} and of prune. */
export type RemoveReportItem = { Untagged: string } | { Deleted: string };

export interface PruneReport {
  ImagesDeleted: RemoveReportItem[];
  SpaceReclaimed: number;
}

/** GET /system/df, the images part, with the extra per-part breakdown the views show. */
export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
  /** Bytes on disk per part of the store (image configs, layer metadata, layer data), where known. */
  Parts?: { name: string; path: string; bytes: number }[];
}

/** What kind of backend answers; the one list of them (backend/backends.ts registers how each opens). */
export type BackendKind = 'docker' | 'podman' | 'builtin';

export interface BackendInfo {
  /** What kind of backend answers. */
  Kind: BackendKind;
  /** A line naming the connection: a socket, a host URL or a store folder. */
  Endpoint: string;
  ServerVersion: string;
  ApiVersion?: string;
  Driver: string;
  DockerRootDir: string;
  Images: number;
  Layers?: number;
  OperatingSystem?: string;
  Architecture?: string;
}

/** An event from the backend that may change what the views show. */
export interface ImageEvent {
  Action: string;
  Id: string;
  time: number;
}

/** A step of long work, as a pull or load reports it. */
export interface Progress {
  message: string;
  /** 0..1 when known */
  fraction?: number;
  id?: string;
  /** The Engine API's message this step is, for a pull or push: what `docker pull` draws and `--json` prints. */
  engine?: ProgressMessage;
}

/**
 * One message of the Engine API's progress stream (POST /images/create, /images/{name}/push, /images/load): a layer's
 * state under its short ID (`Already exists`, `Pull complete`, `Pushed`), or a line of its own (`Digest: …`).
 * A message with `progressDetail` is a layer's line, which a terminal redraws in place.
 */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** The bar as the engine draws it: `[=====>     ]  1.2MB/3.9MB`. */
  progress?: string;
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string };
}

/** One answer of `docker search` (GET /images/search): a repository and what its registry says of it. */
export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}
