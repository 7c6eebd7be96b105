// What the tree may read by itself, unasked (waste marks, a tooltip's packages line): every layer of an image is
// read for those, which is cheap only where the layers are local files or already read. An engine gives a layer
// only inside `docker save` of the whole image, so there the reading waits for a panel the user opened.
import type { ImageCatalog } from '../../backend/catalog';
import { layerContentsCache } from '../../backend/layer-contents';
import { limits } from '../../backend/limits';

/** Layers already read cost nothing; the store's are local files, read up to a size; an engine's cost a `docker save`. */
export function isCheapToRead(catalog: ImageCatalog, diffIds: readonly string[], imageBytes: number): boolean {
  const cache = layerContentsCache();
  if (diffIds.every((d) => cache.get(d) !== undefined)) return true;
  return catalog.backend.kind === 'builtin' && imageBytes <= limits.wasteScanMaxBytes;
}
