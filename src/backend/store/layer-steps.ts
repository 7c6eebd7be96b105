// Each layer's build step, as the Layers view shows it, worked out once from the image config when its summary
// entry is made (load, pull, commit), so that the view lists from the summary index without reading a config.
import { deriveHistory, HistoryMismatchError } from '../../core/history';
import { layerSteps } from '../../core/layers';
import type { ImageConfigJson } from './image-config';

/**
 * The step text of each layer, bottom to top: the same pairing inspect + history + the empty-layer flags give.
 * Null where the history does not fit the layers (the image then shows as the slow path decides: corrupt).
 */
export function layerStepTexts(config: ImageConfigJson, sizes: readonly (number | null)[]): string[] | null {
  const history = config.history ?? [];
  try {
    const rows = deriveHistory({ history, layerSizes: sizes.map((s) => s ?? 0), ids: [], tagsOf: () => [] });
    const emptyLayers = history.map((h) => h?.empty_layer === true);
    const texts: string[] = new Array<string>(config.rootfs.diff_ids.length).fill('');
    for (const step of layerSteps({ RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids } }, rows, { emptyLayers })) {
      if (step.layerIndex !== undefined) texts[step.layerIndex] = step.createdBy;
    }
    return texts;
  } catch (e) {
    if (e instanceof HistoryMismatchError) return null;
    throw e;
  }
}
