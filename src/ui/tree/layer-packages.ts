// The packages line of a layer row's tooltip ("212 packages added, 180MB, of which 40MB docs"), made on hover:
// the image's layers are read once (shared with the panels through the layer cache) where that is cheap
// (cheap-read.ts); a hover waits a moment for that, and when the read takes longer the row says so and is
// redrawn once it is done. An engine's image not read yet is not saved for a hover: the line says how to read it.
import type { ImageCatalog } from '../../backend/catalog';
import { userMessage } from '../../backend/backend';
import { isCheapToRead } from './cheap-read';

/** How long a hover waits for an image's packages before it says they are being read. */
const HOVER_WAIT_MS = 1500;

type Reader = typeof import('../../backend/image-packages');

/** A read of one image's packages, shared by every hover of its rows while it runs. */
interface Reading {
  /** 'read' once the packages are known; 'not-cheap' when the tree may not read this image by itself. */
  done: Promise<'read' | 'not-cheap'>;
  /** A hover stopped waiting: the rows are drawn again once, when the read ends. */
  gaveUp: boolean;
}

export class LayerPackagesLines {
  private reader: Promise<Reader> | undefined;
  private readonly reading = new Map<string, Reading>();

  constructor(
    private readonly catalog: () => Promise<ImageCatalog>,
    /** Called when a read a hover stopped waiting for is done: the rows of that image can say more. */
    private readonly onRead: (imageId: string) => void,
  ) {}

  /** The line for layer `layerIndex` of image `imageId`, or undefined when the image has no package database. */
  async line(imageId: string, layerIndex: number | undefined): Promise<string | undefined> {
    if (layerIndex === undefined) return undefined;
    // Loaded on first hover: the layer reader brings tar-stream with it, which activation does without.
    this.reader ??= import('../../backend/image-packages');
    const { imagePackages, knownImagePackages } = await this.reader;
    const describe = async () => {
      const { describeLayerPackages } = await import('../../core/packages/history');
      const layer = knownImagePackages(imageId)?.layers[layerIndex];
      // A layer that wrote no package database says nothing of packages (a COPY of the app, say).
      if (!layer?.touched) return undefined;
      const text = describeLayerPackages(layer) ?? 'no package changed';
      return `Packages: ${text}${layer.problems.length ? ` (${layer.problems.join(' ')})` : ''}`;
    };
    if (knownImagePackages(imageId)) return describe();
    const reading = this.read(imageId, imagePackages);
    const done = await Promise.race([reading.done, new Promise<false>((r) => setTimeout(() => r(false), HOVER_WAIT_MS))]).catch((e: unknown) => e);
    if (done === 'read') return describe();
    if (done === 'not-cheap') return 'Packages: not read yet (Show Packages reads them)';
    if (done === false) {
      reading.gaveUp = true;
      return 'Packages: reading the layers…';
    }
    return `Packages: could not be read (${userMessage(done)})`;
  }

  /** The image's read, started once however many rows are hovered while it runs. */
  private read(imageId: string, imagePackages: Reader['imagePackages']): Reading {
    const running = this.reading.get(imageId);
    if (running) return running;
    const catalogued = async () => {
      const catalog = await this.catalog();
      const { inspect } = await catalog.detailsOf(imageId);
      if (!isCheapToRead(catalog, inspect.RootFS?.Layers ?? [], inspect.Size ?? 0)) return 'not-cheap' as const;
      await imagePackages(catalog.backend, imageId);
      if (reading.gaveUp) this.onRead(imageId);
      return 'read' as const;
    };
    const reading: Reading = { gaveUp: false, done: catalogued() };
    this.reading.set(imageId, reading);
    void reading.done.finally(() => this.reading.delete(imageId)).catch(() => undefined);
    return reading;
  }
}
