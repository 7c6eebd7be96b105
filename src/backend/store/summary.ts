// The image summary index (image/<driver>/imagedb/summary.json): per image what the Images view needs (created,
// labels, layers and their sizes, parent), so that a listing reads two files instead of one per config and three
// per layer. An accelerator only: the engine-like files stay the truth. Writers rewrite it under the lock;
// readers check it against the imagedb listing and a checksum, and rebuild what is missing instead of trusting it.
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import { BackendError } from '../backend';
import { mapLimit } from '../../core/limit';
import { writeFileAtomic } from './atomic';
import type { ImageConfigJson } from './image-config';
import { layerStepTexts } from './layer-steps';
import type { StoreLayout } from './layout';
import { imageChainIds, listImageIds, readImage, readLayer, readParent } from './records';

// 2: labels may be null (an image config without labels), as dockerd lists them. 3: each layer's build step.
// An index of another version is rebuilt from the files once, by the first reader that finds the lock free.
export const SUMMARY_VERSION = 3;

/** What the index keeps of one image. Configs are content-addressed, so an entry only changes with its layer sizes. */
export interface ImageEntry {
  id: string;
  /** Seconds since the epoch, 0 when the config has no valid `created`. */
  created: number;
  labels: Record<string, string> | null;
  diffIds: string[];
  chainIds: string[];
  /** Layer sizes bottom to top; null where the layer record is missing. */
  sizes: (number | null)[];
  /** The parent image ID from the image's metadata, '' when none. */
  parent: string;
  /** The build step of each layer, bottom to top (layer-steps.ts); null where the history does not fit the layers. */
  steps: string[] | null;
}

export function entryFromConfig(id: string, config: ImageConfigJson, sizes: (number | null)[], parent: string): ImageEntry {
  const created = config.created ? Date.parse(config.created) : NaN;
  return {
    id,
    created: Number.isFinite(created) ? Math.floor(created / 1000) : 0,
    labels: config.config?.Labels ? { ...config.config.Labels } : null,
    diffIds: [...config.rootfs.diff_ids],
    chainIds: imageChainIds(config),
    sizes,
    parent,
    steps: layerStepTexts(config, sizes),
  };
}

/** The entry of one image from the store's own files; undefined when the image is gone or its config is unreadable. */
export async function entryFromFiles(layout: StoreLayout, id: string): Promise<ImageEntry | undefined> {
  const img = await readImage(layout, id).catch((e) => {
    if (BackendError.is(e, 'corrupt')) return undefined;
    throw e;
  });
  if (!img) return undefined;
  const sizes = await Promise.all(img.chainIds.map(async (c) => (await readLayer(layout, c))?.size ?? null));
  return entryFromConfig(id, img.config, sizes, await readParent(layout, id));
}

/** Entries for `ids`: from `known` where present, else from the files. Unreadable images are left out. */
export async function collectEntries(layout: StoreLayout, ids: readonly string[], known: ReadonlyMap<string, ImageEntry>): Promise<ImageEntry[]> {
  const missing = ids.filter((id) => !known.has(id));
  const built = new Map<string, ImageEntry | undefined>();
  await mapLimit(missing, 32, async (id) => built.set(id, await entryFromFiles(layout, id)));
  const out: ImageEntry[] = [];
  for (const id of ids) {
    const e = known.get(id) ?? built.get(id);
    if (e) out.push(e);
  }
  return out;
}

function isEntry(v: unknown): v is ImageEntry {
  const e = v as ImageEntry;
  return (
    !!e &&
    typeof e.id === 'string' &&
    typeof e.created === 'number' &&
    typeof e.labels === 'object' &&
    Array.isArray(e.diffIds) &&
    Array.isArray(e.chainIds) &&
    Array.isArray(e.sizes) &&
    e.diffIds.length === e.chainIds.length &&
    e.sizes.length === e.chainIds.length &&
    typeof e.parent === 'string' &&
    (e.steps === null || (Array.isArray(e.steps) && e.steps.length === e.chainIds.length && e.steps.every((t) => typeof t === 'string')))
  );
}

/** The file's bytes: a header line with the body's sha256, then the body (sorted by ID: same images, same bytes). */
export function serialiseSummary(entries: Iterable<ImageEntry>): string {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const body = JSON.stringify(sorted.map((e) => ({ id: e.id, created: e.created, labels: e.labels, diffIds: e.diffIds, chainIds: e.chainIds, sizes: e.sizes, parent: e.parent, steps: e.steps })));
  const sum = createHash('sha256').update(body).digest('hex');
  return `${JSON.stringify({ version: SUMMARY_VERSION, sha256: sum })}\n${body}\n`;
}

/** The index's entries by ID; undefined when it is absent, of another version, truncated or damaged. */
export function parseSummary(text: string): Map<string, ImageEntry> | undefined {
  const nl = text.indexOf('\n');
  if (nl < 0) return undefined;
  try {
    const header = JSON.parse(text.slice(0, nl)) as { version?: unknown; sha256?: unknown };
    if (header?.version !== SUMMARY_VERSION || typeof header.sha256 !== 'string') return undefined;
    const body = text.slice(nl + 1).replace(/\n$/, '');
    if (createHash('sha256').update(body).digest('hex') !== header.sha256) return undefined;
    const list = JSON.parse(body) as unknown;
    if (!Array.isArray(list) || !list.every(isEntry)) return undefined;
    return new Map(list.map((e) => [e.id, e]));
  } catch {
    return undefined;
  }
}

export async function readSummaryText(layout: StoreLayout): Promise<string | undefined> {
  try {
    return await fs.readFile(layout.summary, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Writes the index when its bytes would change; an absent index counts as empty. Call holding the lock. */
export async function writeSummary(layout: StoreLayout, entries: Iterable<ImageEntry>, previous?: string): Promise<boolean> {
  const text = serialiseSummary(entries);
  const before = previous ?? (await readSummaryText(layout)) ?? serialiseSummary([]);
  if (before === text) return false;
  await writeFileAtomic(layout.summary, text);
  return true;
}

/**
 * Brings the index up to date with imagedb after a change: entries of images still present are kept (from the
 * index, else `fresh`, else read from the files), those of removed images dropped. Call holding the lock.
 */
export async function updateSummary(layout: StoreLayout, fresh: Iterable<ImageEntry> = []): Promise<void> {
  const previous = await readSummaryText(layout);
  const known = new Map<string, ImageEntry>();
  for (const e of fresh) known.set(e.id, e);
  for (const [id, e] of (previous !== undefined ? parseSummary(previous) : undefined) ?? []) known.set(id, e);
  const entries = await collectEntries(layout, await listImageIds(layout), known);
  await writeSummary(layout, entries, previous);
}

/** Rebuilds the index from the files alone, trusting nothing in it (`check`). True when it was missing or stale. */
export async function rebuildSummary(layout: StoreLayout): Promise<boolean> {
  const entries = await collectEntries(layout, await listImageIds(layout), new Map());
  return writeSummary(layout, entries);
}
