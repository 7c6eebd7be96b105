// `docker history` derived from an image config the way the engine does it (daemon/images/image_history.go):
// walk the config's history in build order, give each non-empty row the size of the next layer, then list
// newest first. The top row carries the image ID and tags; rows below take the parent's ID, or `<missing>`.
import type { HistoryItem } from './model';

export interface ConfigHistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Go's zero time in Unix seconds: what the engine reports for a history row without `created`. */
export const ZERO_TIME_UNIX = -62135596800;

/** Unix seconds of an RFC 3339 time, truncated like Go's `Time.Unix()`; undefined when it does not parse. */
export function rfc3339ToUnix(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, zone] = m;
  let seconds = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    seconds -= sign * (+zone.slice(1, 3) * 3600 + +zone.slice(4, 6) * 60);
  }
  return Number.isFinite(seconds) ? seconds : undefined;
}

export interface HistoryInput {
  history: readonly ConfigHistoryEntry[];
  /** Size of each layer, bottom to top (the diff size the layer store keeps). */
  layerSizes: readonly number[];
  /** Image IDs from this image down its parent chain: [own ID, parent ID, grandparent ID, …]. */
  ids: readonly string[];
  /** Tags per image ID (familiar `repo:tag` form). */
  tagsOf: (id: string) => string[];
}

export class HistoryMismatchError extends Error {}

export function deriveHistory(input: HistoryInput): HistoryItem[] {
  const rows: HistoryItem[] = [];
  let layer = 0;
  for (const h of input.history) {
    let size = 0;
    if (!h.empty_layer) {
      if (layer >= input.layerSizes.length) {
        throw new HistoryMismatchError('The image history names more layers than the image has.');
      }
      size = input.layerSizes[layer++];
    }
    rows.unshift({
      Id: '<missing>',
      Created: rfc3339ToUnix(h.created) ?? ZERO_TIME_UNIX,
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    });
  }
  for (let i = 0; i < rows.length && i < input.ids.length; i++) {
    rows[i].Id = input.ids[i];
    const tags = input.tagsOf(input.ids[i]);
    rows[i].Tags = tags.length ? tags : null;
  }
  return rows;
}
