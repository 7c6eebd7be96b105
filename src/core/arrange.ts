// How the Images view arranges images: grouped by repository or registry (or not at all), sorted,
// filtered by text, with or without dangling images. One entry per tag; untagged images once each.
import { formatCount } from './format';
import type { ImageSummary } from './model';
import { DEFAULT_REGISTRY, parseReference, splitRepoTag } from './reference';

export type GroupBy = 'repository' | 'registry' | 'none';
export type SortBy = 'created' | 'name' | 'size';

export interface ArrangeOptions {
  groupBy: GroupBy;
  sortBy: SortBy;
  /** Case-insensitive text matched against tags, IDs and digests; empty for no filter. */
  filter: string;
  showDangling: boolean;
}

export interface ImageEntry {
  image: ImageSummary;
  /** `repo:tag`, or undefined for an untagged image. */
  repoTag?: string;
  /** What the entry is called inside its group: the tag, `repo:tag`, or a short ID. */
  label: string;
}

export interface ImageGroup {
  /** '' when not grouped. */
  name: string;
  entries: ImageEntry[];
}

export const UNTAGGED_GROUP = '<none>';

export function isDangling(image: ImageSummary): boolean {
  return image.RepoTags.length === 0;
}

function registryOf(repoTag: string): string {
  return parseReference(repoTag)?.registry ?? DEFAULT_REGISTRY;
}

function matches(image: ImageSummary, repoTag: string | undefined, needle: string): boolean {
  if (!needle) return true;
  const hay = [repoTag ?? '', image.Id, ...image.RepoDigests].join('\n').toLowerCase();
  return hay.includes(needle);
}

function compareEntries(sortBy: SortBy): (a: ImageEntry, b: ImageEntry) => number {
  const byName = (a: ImageEntry, b: ImageEntry) =>
    (a.repoTag ?? '\uffff' + a.image.Id).localeCompare(b.repoTag ?? '\uffff' + b.image.Id);
  if (sortBy === 'name') return byName;
  if (sortBy === 'size') return (a, b) => b.image.Size - a.image.Size || byName(a, b);
  return (a, b) => b.image.Created - a.image.Created || byName(a, b);
}

export function arrangeImages(images: ImageSummary[], options: ArrangeOptions): ImageGroup[] {
  const needle = options.filter.trim().toLowerCase();
  const groups = new Map<string, ImageEntry[]>();
  const add = (group: string, entry: ImageEntry) => {
    let list = groups.get(group);
    if (!list) groups.set(group, (list = []));
    list.push(entry);
  };
  for (const image of images) {
    if (isDangling(image)) {
      if (!options.showDangling || !matches(image, undefined, needle)) continue;
      const label = image.Id.replace(/^sha256:/, '').slice(0, 12);
      add(options.groupBy === 'none' ? '' : UNTAGGED_GROUP, { image, label });
      continue;
    }
    for (const repoTag of image.RepoTags) {
      if (!matches(image, repoTag, needle)) continue;
      if (options.groupBy === 'repository') {
        add(splitRepoTag(repoTag).repository, { image, repoTag, label: splitRepoTag(repoTag).tag });
      } else if (options.groupBy === 'registry') {
        const registry = registryOf(repoTag);
        const label = repoTag.startsWith(`${registry}/`) ? repoTag.slice(registry.length + 1) : repoTag;
        add(registry, { image, repoTag, label });
      } else {
        add('', { image, repoTag, label: repoTag });
      }
    }
  }
  const compare = compareEntries(options.sortBy);
  const result: ImageGroup[] = [];
  for (const [name, entries] of groups) result.push({ name, entries: entries.sort(compare) });
  const groupKey = (g: ImageGroup) => g.entries[0];
  result.sort((a, b) => {
    if (a.name === UNTAGGED_GROUP) return 1;
    if (b.name === UNTAGGED_GROUP) return -1;
    // Groups follow the order of their first entry, except by name where the group name decides.
    if (options.sortBy === 'name') return a.name.localeCompare(b.name);
    return compare(groupKey(a), groupKey(b)) || a.name.localeCompare(b.name);
  });
  return result;
}

/**
 * What a group holds, counted as `docker images` (a row per tag) and `docker system df` (an image per ID) count:
 * `2 tags, 1 image` for two tags of one image, `3 images` when every entry is an image of its own.
 */
export function describeEntries(entries: readonly ImageEntry[]): string {
  const images = new Set(entries.map((e) => e.image.Id)).size;
  const tags = entries.filter((e) => e.repoTag !== undefined).length;
  return tags > 0 && tags !== images ? `${formatCount(tags, 'tag')}, ${formatCount(images, 'image')}` : formatCount(images, 'image');
}
