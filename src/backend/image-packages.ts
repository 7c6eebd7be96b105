// The packages of an image, layer by layer: every layer read once (through the layer cache, so Layer Files,
// Compare and Wasted Space share the pass), its package databases applied in order (core/packages/history.ts).
import { packageHistory, type LayerPackages } from '../core/packages/history';
import type { LayerPackageDbs } from '../core/packages/model';
import type { ImageSource } from './backend';
import { layerContentsCache, readImageLayers, type LayerContentsCache, type LayersOptions } from './layer-contents';

export interface ImageLayerPackages extends LayerPackages {
  diffId: string;
}

export interface ImagePackages {
  /** The image ID the report is of. */
  id: string;
  /** Bottom first, one per RootFS layer. */
  layers: ImageLayerPackages[];
  /** Layers whose tar could not be read whole: their package databases may be missing. */
  truncated: string[];
}

const NONE: LayerPackageDbs = { dbs: [], removed: [], problems: [] };

/** Reports by image ID: a hover asks again for every layer row, and the layers' entries may have left the cache. */
const reports = new Map<string, ImagePackages>();
const KEEP_REPORTS = 64;

/** The report already made for an image, if any (no read). */
export function knownImagePackages(id: string): ImagePackages | undefined {
  return reports.get(id);
}

export async function imagePackages(
  backend: ImageSource,
  ref: string,
  options: LayersOptions & { cache?: LayerContentsCache } = {},
): Promise<ImagePackages> {
  const inspect = await backend.inspectImage(ref);
  const known = reports.get(inspect.Id);
  if (known) return known;
  const diffIds = inspect.RootFS?.Layers ?? [];
  const contents = await readImageLayers(backend, ref, diffIds, options.cache ?? layerContentsCache(), options);
  const history = packageHistory(contents.map((c) => c.packages ?? NONE));
  const report: ImagePackages = {
    id: inspect.Id,
    layers: history.map((h, i) => ({ ...h, diffId: diffIds[i] })),
    truncated: contents.flatMap((c, i) => (c.truncated ? [`Layer ${i + 1}: ${c.truncated}`] : [])),
  };
  reports.set(inspect.Id, report);
  for (const key of reports.keys()) {
    if (reports.size <= KEEP_REPORTS) break;
    reports.delete(key);
  }
  return report;
}
