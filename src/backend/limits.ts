// Every deadline and size limit of the backends in one place: how long an engine or a registry may take to start
// answering, how long it may fall silent mid-body, the throughput floor of a transfer, retries, the gzip-bomb
// ratio and the free-space margin. Tests shorten them with overrideLimits(), or, for a child process (the CLI),
// with IMAGE_LAYERS_LIMITS='{"engineAnswerMs":500}'.

export interface Limits {
  /** An engine's answer to a quick request (version, lists, inspect, history) must start within this. */
  engineAnswerMs: number;
  /** The same for requests the engine works on before answering (remove, prune, tag, load once sent, pull, push). */
  engineWorkAnswerMs: number;
  /** Longest silence inside an engine's answer, or while it takes an upload (load). */
  engineSilenceMs: number;
  /** ping() and the connection check: an engine that does not answer this fast counts as unreachable. */
  enginePingMs: number;
  /** The `auto` setting's probe: an engine that does not answer this fast gives way to the built-in store. */
  engineProbeMs: number;
  /** A registry's answer must start within this (headers). */
  registryAnswerMs: number;
  /** Longest silence inside a registry's answer, small blobs included. */
  registrySilenceMs: number;
  /** A transfer must move at least this many bytes per second, measured over `transferWindowMs`. */
  transferFloorBytesPerSecond: number;
  transferWindowMs: number;
  /** Idempotent registry requests are tried again this many times after a 5xx or a dropped connection. */
  retries: number;
  /** The first wait before trying again; doubled each time. */
  retryBaseMs: number;
  /** An engine's event stream that broke is opened again after this, doubled on each failure up to the next. */
  eventsRetryFirstMs: number;
  eventsRetryMaxMs: number;
  /** A gzip or zstd layer inflating past `bombMinBytes` to more than `bombRatio` times its compressed bytes is a bomb. */
  bombRatio: number;
  bombMinBytes: number;
  /** A load or pull stops when it would leave less than this free on the store's disk (setting: imageLayers.freeSpaceMargin). */
  freeSpaceMarginBytes: number;
  /** While a load or pull writes, the free space is looked at again after this many bytes. */
  spaceCheckEveryBytes: number;
  /** A package database (dpkg status, apk installed, rpmdb.sqlite, rpm's Berkeley DB Packages) larger than this is not read. */
  packageDbMaxBytes: number;
  /** What one layer read keeps of package files in all (databases and dpkg's file lists). */
  packageFilesMaxBytes: number;
  /** Engine layers kept on disk, uncompressed, so that a file is read from its offset (least recently used go first). */
  layerSpoolBytes: number;
  /** A file larger than this is not opened from an image into an editor (it can be saved out instead). */
  openFileMaxBytes: number;
  /**
   * Waste marks read a store image's layers by themselves only up to this size: reading 100 MB in 2,000
   * files (each then hashed too) took 0.17-1.3 s here (docs/benchmarks.md); a bigger image is marked once its
   * layers were read.
   */
  wasteScanMaxBytes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  engineAnswerMs: 30_000,
  engineWorkAnswerMs: 300_000,
  engineSilenceMs: 120_000,
  enginePingMs: 5_000,
  engineProbeMs: 1_500,
  registryAnswerMs: 30_000,
  registrySilenceMs: 30_000,
  transferFloorBytesPerSecond: 1024,
  transferWindowMs: 60_000,
  retries: 3,
  retryBaseMs: 500,
  eventsRetryFirstMs: 1_000,
  eventsRetryMaxMs: 15_000,
  // Deflate tops out near 1032:1 (all zeros); real layers sit between 2:1 and 10:1.
  bombRatio: 1000,
  bombMinBytes: 16 * MIB,
  freeSpaceMarginBytes: 512 * MIB,
  spaceCheckEveryBytes: 64 * MIB,
  // Real ones: Debian's status 1-3 MB, Fedora's rpmdb.sqlite 5-30 MB.
  packageDbMaxBytes: 64 * MIB,
  packageFilesMaxBytes: 128 * MIB,
  layerSpoolBytes: 2048 * MIB,
  openFileMaxBytes: 50 * MIB,
  wasteScanMaxBytes: 256 * MIB,
});

function fromEnvironment(): Partial<Limits> {
  const text = process.env.IMAGE_LAYERS_LIMITS;
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([k, v]) => k in DEFAULT_LIMITS && typeof v === 'number' && v >= 0));
  } catch {
    return {};
  }
}

/** The limits in force; read at the moment of use, so an override applies to the next request. */
export const limits: Limits = { ...DEFAULT_LIMITS, ...fromEnvironment() };

/** Sets some limits (tests); answers a function that puts the previous values back. */
export function overrideLimits(partial: Partial<Limits>): () => void {
  const before = { ...limits };
  Object.assign(limits, partial);
  return () => Object.assign(limits, before);
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
