// Podman 4.3's /system/df is wrong (tags cut to their last part, no labels, LayersSize 0, SharedSize 0, one
// row per tag), so for Podman the images part is rebuilt from what it does answer right: the image list, and
// each image's layers (inspect) with their sizes (the non-empty history rows, oldest first).
import { mapLimit } from '../../core/limit';
import type { DiskUsage, HistoryItem, ImageInspect, ImageSummary } from '../../core/model';

export interface PodmanDfSources {
  listImages(): Promise<ImageSummary[]>;
  inspectImage(id: string): Promise<ImageInspect>;
  imageHistory(id: string): Promise<HistoryItem[]>;
}

const CONCURRENCY = 8;

/** Each layer (diff ID) of an image with its size; undefined when the history does not line up with the layers. */
function layerSizes(inspect: ImageInspect, history: HistoryItem[]): Map<string, number> | undefined {
  // Podman's history sizes are uncompressed tar sizes, never 0 for a real layer; empty steps are 0.
  const sizes = history
    .slice()
    .reverse()
    .filter((h) => h.Size > 0)
    .map((h) => h.Size);
  const layers = inspect.RootFS.Layers;
  if (sizes.length !== layers.length) return undefined;
  const out = new Map<string, number>();
  layers.forEach((d, i) => out.set(d, sizes[i]));
  return out;
}

export async function podmanDiskUsage(src: PodmanDfSources): Promise<DiskUsage> {
  const images = await src.listImages();
  const perImage = await mapLimit(images, CONCURRENCY, async (img) => {
    try {
      const [inspect, history] = await Promise.all([src.inspectImage(img.Id), src.imageHistory(img.Id)]);
      return layerSizes(inspect, history);
    } catch {
      return undefined; // removed meanwhile
    }
  });
  const users = new Map<string, number>();
  const sizeOf = new Map<string, number>();
  for (const layers of perImage) {
    for (const [d, s] of layers ?? []) {
      users.set(d, (users.get(d) ?? 0) + 1);
      sizeOf.set(d, s);
    }
  }
  let layersSize = 0;
  for (const s of sizeOf.values()) layersSize += s;
  const rows = images.map((img, i) => {
    const layers = perImage[i];
    if (!layers) {
      layersSize += img.Size;
      return { ...img, SharedSize: 0, Containers: Math.max(0, img.Containers) };
    }
    let shared = 0;
    for (const [d, s] of layers) if ((users.get(d) ?? 0) > 1) shared += s;
    return { ...img, SharedSize: shared, Containers: Math.max(0, img.Containers) };
  });
  return { LayersSize: layersSize, Images: rows };
}
