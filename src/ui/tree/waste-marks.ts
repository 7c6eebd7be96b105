// Which layer of an image wasted bytes (core/layer-waste.ts), for the Images view's rows and the Dockerfile hover.
// Finding out reads every layer of the image, so it is done only where that is cheap: on the built-in store,
// whose layers are local files (up to limits.wasteScanMaxBytes), or where every layer is in the shared
// LayerContentsCache already (a Layer Files
// or Wasted Space panel read them). Never awaited by a first render: the answer arrives later, and `onMarks` says so.
import type { ImageCatalog } from '../../backend/catalog';
import { imageLayerWaste } from '../../backend/layer-contents';
import { isCheapToRead } from './cheap-read';
import type { LayerWaste } from '../../core/layer-waste';

export interface ImageWaste {
  /** Dead bytes by layer, bottom first (RootFS order). */
  layers: LayerWaste[];
  /** Σ over the layers. */
  bytes: number;
}

export class WasteMarks {
  private readonly known = new Map<string, ImageWaste>();
  private readonly running = new Map<string, Promise<ImageWaste | undefined>>();
  private generation = 0;

  constructor(private readonly onMarks: (imageId: string) => void) {}

  clear(): void {
    this.known.clear();
    this.running.clear();
    this.generation++;
  }

  /** What is known of the image's waste now; undefined while not known (or not cheap to know). */
  get(imageId: string): ImageWaste | undefined {
    return this.known.get(imageId);
  }

  /** Reads the image's layers in the background when that is cheap; `onMarks(imageId)` when the answer is in. */
  request(catalog: ImageCatalog, imageId: string, diffIds: readonly string[], imageBytes: number): Promise<ImageWaste | undefined> {
    const known = this.known.get(imageId);
    if (known) return Promise.resolve(known);
    let run = this.running.get(imageId);
    if (run) return run;
    if (diffIds.length === 0 || !isCheapToRead(catalog, diffIds, imageBytes)) return Promise.resolve(undefined);
    const generation = this.generation;
    run = imageLayerWaste(catalog.backend, imageId).then(
      ({ waste }) => {
        if (generation !== this.generation) return undefined;
        const marks = { layers: waste, bytes: waste.reduce((n, w) => n + w.bytes, 0) };
        this.known.set(imageId, marks);
        this.running.delete(imageId);
        this.onMarks(imageId);
        return marks;
      },
      () => {
        // A layer that cannot be read leaves the rows unmarked; Wasted Space says why when asked.
        if (generation === this.generation) this.running.delete(imageId);
        return undefined;
      },
    );
    this.running.set(imageId, run);
    return run;
  }

  /** The image's waste, read now if cheap, waiting at most `ms`; undefined when not cheap or not in time. */
  within(catalog: ImageCatalog, imageId: string, diffIds: readonly string[], imageBytes: number, ms: number): Promise<ImageWaste | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    return Promise.race([this.request(catalog, imageId, diffIds, imageBytes), late]).finally(() => clearTimeout(timer));
  }
}
