// The one place where Docker's and Podman's answers are made alike (see docs/engines.md for each difference).
// Input is whatever JSON the engine sent; output is the model of core/model.ts.
import type {
  BackendKind,
  ContainerConfig,
  DiskUsage,
  HistoryItem,
  ImageInspect,
  ImageSummary,
  RemoveReportItem,
} from '../../core/model';

/** The kinds an engine behind the Engine API can turn out to be. */
export type EngineKind = Exclude<BackendKind, 'builtin'>;

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
function labels(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Podman leaves the algorithm off its IDs; Docker does not. `<missing>` and '' stay as they are. */
export function normaliseId(id: unknown): string {
  const s = str(id);
  return HEX64.test(s) ? `sha256:${s}` : s;
}

/** Docker 20.10 lists a dangling image with `<none>:<none>` / `<none>@<none>`; Podman with null. Both become []. */
function names(v: unknown): string[] {
  return strings(v).filter((n) => !n.startsWith('<none>'));
}

/** Unix seconds from a number, or from an RFC 3339 string (Podman's history on some versions). */
function unixSeconds(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return 0;
}

export function normaliseSummary(raw: unknown, kind: EngineKind): ImageSummary {
  const r = obj(raw);
  return {
    Id: normaliseId(r.Id),
    ParentId: normaliseId(r.ParentId),
    RepoTags: names(r.RepoTags),
    RepoDigests: names(r.RepoDigests),
    Created: unixSeconds(r.Created),
    Size: num(r.Size),
    // Podman answers 0 without computing it; -1 says "not computed" like Docker's list does.
    SharedSize: kind === 'podman' ? -1 : num(r.SharedSize, -1),
    // dockerd answers null for an image without labels; kept so, like the store's answer.
    Labels: r.Labels === null || r.Labels === undefined ? null : labels(r.Labels),
    Containers: num(r.Containers, -1),
  };
}

function config(raw: unknown): ContainerConfig {
  // The config is passed through as the engine wrote it (its fields are the image config's), minus nulls of
  // maps the views iterate over.
  const c = { ...obj(raw) } as ContainerConfig & Json;
  if (c.Labels === undefined) c.Labels = null;
  return c;
}

export function normaliseInspect(raw: unknown): ImageInspect {
  const r = obj(raw);
  const graph = obj(r.GraphDriver);
  const rootfs = obj(r.RootFS);
  const metadata = obj(r.Metadata);
  const out: ImageInspect = {
    Id: normaliseId(r.Id),
    RepoTags: names(r.RepoTags),
    RepoDigests: names(r.RepoDigests),
    Parent: normaliseId(r.Parent),
    Comment: str(r.Comment),
    Created: str(r.Created),
    DockerVersion: str(r.DockerVersion),
    Author: str(r.Author),
    Config: config(r.Config),
    Architecture: str(r.Architecture),
    Os: str(r.Os),
    Size: num(r.Size),
    GraphDriver: {
      Name: str(graph.Name),
      Data: graph.Data && typeof graph.Data === 'object' ? labels(graph.Data) : null,
    },
    RootFS: { Type: str(rootfs.Type) || 'layers', Layers: strings(rootfs.Layers).map(normaliseId) },
    Metadata: metadata.LastTagTime && !str(metadata.LastTagTime).startsWith('0001-') ? { LastTagTime: str(metadata.LastTagTime) } : {},
  };
  if (str(r.Variant)) out.Variant = str(r.Variant);
  if (str(r.OsVersion)) out.OsVersion = str(r.OsVersion);
  return out;
}

export function normaliseHistory(raw: unknown): HistoryItem[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((row) => {
    const r = obj(row);
    const id = normaliseId(r.Id);
    return {
      Id: id && id !== '<missing>' ? id : '<missing>',
      Created: unixSeconds(r.Created),
      CreatedBy: str(r.CreatedBy),
      Tags: names(r.Tags).length ? names(r.Tags) : null,
      Size: num(r.Size),
      Comment: str(r.Comment),
    };
  });
}

export function normaliseRemoveReport(raw: unknown): RemoveReportItem[] {
  if (!Array.isArray(raw)) return [];
  const out: RemoveReportItem[] = [];
  for (const row of raw) {
    const r = obj(row);
    if (typeof r.Untagged === 'string') out.push({ Untagged: r.Untagged });
    if (typeof r.Deleted === 'string') out.push({ Deleted: normaliseId(r.Deleted) });
  }
  return out;
}

/** GET /system/df, images part, from Docker (Podman's is rebuilt instead: podman-df.ts). Rows merged by ID. */
export function normaliseDiskUsage(raw: unknown, kind: EngineKind): DiskUsage {
  const r = obj(raw);
  const rows = Array.isArray(r.Images) ? r.Images : [];
  const byId = new Map<string, ImageSummary>();
  for (const row of rows) {
    const s = normaliseSummary(row, kind);
    const seen = byId.get(s.Id);
    if (!seen) byId.set(s.Id, s);
    else {
      for (const t of s.RepoTags) if (!seen.RepoTags.includes(t)) seen.RepoTags.push(t);
      for (const d of s.RepoDigests) if (!seen.RepoDigests.includes(d)) seen.RepoDigests.push(d);
    }
  }
  return { LayersSize: num(r.LayersSize), Images: [...byId.values()] };
}
