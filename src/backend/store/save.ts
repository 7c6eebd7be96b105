// `docker save` from the store: which images the names select, as the engine decides; the layer tars stream
// from disk through the one archive writer (archive-writer.ts).
import { createReadStream, promises as fs } from 'fs';
import { BackendError, type WorkOptions } from '../backend';
import { familiarRepository, parseReference, shortId, splitName } from '../../core/reference';
import { writeImageArchive, type ArchiveFormat, type ArchiveImage, type ArchiveLayer } from './archive-writer';
import type { StoreLayout } from './layout';
import type { ImageEntry } from './summary';
import { resolveImage } from './resolve';
import type { StoreSnapshot } from './snapshot';

interface SaveItem {
  img: ImageEntry;
  tags: string[];
}

/** Which images and tags the refs name, as the engine decides: a name without a tag means all its tags. */
async function selectImages(layout: StoreLayout, snap: StoreSnapshot, refs: string[]): Promise<SaveItem[]> {
  const items = new Map<string, SaveItem>();
  const add = (id: string, tag?: string) => {
    const img = snap.byId.get(id);
    if (!img) return;
    const item = items.get(id) ?? { img, tags: [] };
    if (tag && !item.tags.includes(tag)) item.tags.push(tag);
    items.set(id, item);
  };
  for (const input of refs) {
    const parsed = parseReference(input);
    if (parsed && !parsed.tag && !parsed.digest && !/^(sha256:)?[a-f0-9]+$/.test(input)) {
      const repo = familiarRepository(parsed);
      const matches = snap.repos.entries().filter(([r]) => {
        const name = splitName(r);
        return name.repository === repo && name.tag !== undefined && name.digest === undefined;
      });
      if (matches.length) {
        for (const [r, id] of matches) add(id, r);
        continue;
      }
    }
    const { id, ref } = await resolveImage(layout, snap.repos, input, snap.byId);
    add(id, ref && !ref.includes('@') ? ref : undefined);
  }
  return [...items.values()];
}

/** Writes the images the refs name to an archive: `docker` (the legacy layout, default) or `oci` (Docker 25+). */
export async function saveImages(
  layout: StoreLayout,
  snap: StoreSnapshot,
  refs: string[],
  target: string,
  options: WorkOptions & { format?: ArchiveFormat } = {},
): Promise<void> {
  if (refs.length === 0) throw new BackendError('invalid-input', 'Name at least one image to save.');
  const items = await selectImages(layout, snap, refs);
  const images: ArchiveImage[] = [];
  for (const { img, tags } of items) {
    const stored = await snap.config(img.id);
    if (!stored) throw new BackendError('not-found', `No such image: ${img.id}`);
    const layers: ArchiveLayer[] = [];
    for (const diffId of stored.config.rootfs.diff_ids) {
      const file = layout.layerTar(diffId);
      // Checked before the archive is begun, so a missing layer fails fast with a sentence.
      const stat = await fs.stat(file).catch(() => {
        throw new BackendError('corrupt', `The data of layer ${shortId(diffId)} is missing from the store; run "image-layers check".`);
      });
      layers.push({ digest: diffId, size: stat.size, compression: 'none', open: () => createReadStream(file) });
    }
    images.push({ config: stored.raw, layers, tags });
  }
  await writeImageArchive(target, images, options);
}
