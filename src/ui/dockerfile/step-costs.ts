// What each instruction of an open Dockerfile cost in its image: the image (paired by the user, or found by its
// history), which history row and layer each step made, and the layers' dead bytes. Worked out once per image and
// document version; the layers are read once per image ID, in the background, and listeners hear when they land.
import * as vscode from 'vscode';
import { userMessage } from '../../backend/backend';
import { stepsOf, type ImageCatalog, type ImageDetails } from '../../backend/catalog';
import { imageLayerWaste } from '../../backend/layer-contents';
import { finalStage, pairSteps, LAYER_KEYWORDS, type DockerfileStep, type FinalStage, type StepPairing } from '../../core/dockerfile-steps';
import type { LayerWaste } from '../../core/layer-waste';
import type { LayerStep } from '../../core/layers';
import { shortId } from '../../core/reference';
import { logError } from '../log';

export interface StepCost {
  step: DockerfileStep;
  /** No history row matches the step: the file changed since the build. */
  changed: boolean;
  /** The layer the step made (none for config-only steps). */
  layer?: LayerStep & { layerIndex: number };
}

export interface StepCostsOfFile {
  /** How the image is named to the user: its tag, or its short ID. */
  ref: string;
  imageId: string;
  /** Paired by the user (else found by its history). */
  paired: boolean;
  /** The image's size, as the engine says. */
  imageSize: number;
  stage: FinalStage;
  costs: StepCost[];
  /** Each layer's dead bytes once the layers are read (bottom first), or why they could not be. */
  waste?: LayerWaste[];
  wasteError?: string;
}

const PAIRED_KEY = 'imageLayers.dockerfileImages';
/** Images whose history is compared when looking for a Dockerfile's image: the newest ones. */
const SEARCH_LIMIT = 100;
/** Images whose dead bytes are kept (a layer's paths can be many): the ones looked at last. */
const WASTE_KEPT = 8;

interface Found {
  id: string;
  ref: string;
  paired: boolean;
}

const nameOf = (tags: readonly string[] | null | undefined, id: string) => tags?.find((t) => t !== '<none>:<none>') ?? shortId(id);

export class StepCosts implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when something shown may differ: layers read, a refresh, a new pairing. */
  readonly onDidChange = this.changed.event;
  private generation = -1;
  private readonly images = new Map<string, Promise<Found | undefined>>();
  /** By document, not by name: a file closed and opened again starts at version 1 with what is on disk. */
  private readonly results = new WeakMap<vscode.TextDocument, { version: number; epoch: number; result: Promise<StepCostsOfFile | undefined> }>();
  /** Bumped whenever every cached result is stale (a refresh, a pairing, layers read). */
  private epoch = 0;
  private readonly waste = new Map<string, { waste?: LayerWaste[]; error?: string; reading?: Promise<void> }>();

  constructor(
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly state: vscode.Memento,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** The image the user paired with the file, if any. */
  pairedRef(uri: vscode.Uri): string | undefined {
    return this.state.get<Record<string, string>>(PAIRED_KEY, {})[uri.toString()];
  }

  async pair(uri: vscode.Uri, ref: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(PAIRED_KEY, {}) };
    if (ref) all[uri.toString()] = ref;
    else delete all[uri.toString()];
    await this.state.update(PAIRED_KEY, all);
    this.images.delete(uri.toString());
    this.epoch++;
    this.changed.fire();
  }

  /** The images' state changed (a refresh): tags may name other images now. */
  refresh(): void {
    this.images.clear();
    this.epoch++;
    this.changed.fire();
  }

  /** The file's step costs, from the cache when neither the document nor the images changed. */
  of(document: vscode.TextDocument): Promise<StepCostsOfFile | undefined> {
    const known = this.results.get(document);
    if (known && known.version === document.version && known.epoch === this.epoch) return known.result;
    const result = this.compute(document).catch((e: unknown) => {
      logError(e, `Dockerfile step costs of ${document.uri.fsPath}`);
      return undefined;
    });
    this.results.set(document, { version: document.version, epoch: this.epoch, result });
    return result;
  }

  private async compute(document: vscode.TextDocument): Promise<StepCostsOfFile | undefined> {
    const catalog = await this.catalog();
    if (catalog.generation !== this.generation) {
      this.generation = catalog.generation;
      this.images.clear();
    }
    const stage = finalStage(document.getText());
    if (!stage.steps.length) return undefined;
    const key = document.uri.toString();
    let image = this.images.get(key);
    if (!image) {
      image = this.findImage(catalog, document.uri, stage);
      this.images.set(key, image);
    }
    const found = await image;
    if (!found) return undefined;
    const details = await catalog.detailsOf(found.id);
    const pairing = pairSteps(stage, rowsOf(details), await this.baseRows(catalog, stage));
    const layerSteps = stepsOf(details);
    const costs = stage.steps.map((step, i): StepCost => {
      const row = pairing.rowOf[i];
      const made = row === undefined ? undefined : layerSteps[row];
      return { step, changed: row === undefined, layer: made && made.layerIndex !== undefined ? { ...made, layerIndex: made.layerIndex } : undefined };
    });
    const read = this.readWaste(catalog, found.id);
    return { ref: found.ref, imageId: found.id, paired: found.paired, imageSize: details.inspect.Size, stage, costs, waste: read.waste, wasteError: read.error };
  }

  /** The dead bytes of the image's layers: read once per image ID; a listener hears when they arrive. */
  private readWaste(catalog: ImageCatalog, id: string): { waste?: LayerWaste[]; error?: string } {
    let entry = this.waste.get(id);
    if (!entry) {
      const fresh: { waste?: LayerWaste[]; error?: string; reading?: Promise<void> } = {};
      fresh.reading = imageLayerWaste(catalog.backend, id).then(
        (r) => {
          fresh.waste = r.waste;
        },
        (e: unknown) => {
          fresh.error = userMessage(e);
          logError(e, `reading the layers of ${shortId(id)}`);
        },
      );
      void fresh.reading.then(() => {
        this.epoch++;
        this.changed.fire();
      });
      this.waste.set(id, fresh);
      for (const old of this.waste.keys()) if (this.waste.size > WASTE_KEPT) this.waste.delete(old);
      entry = fresh;
    } else {
      // Looked at again: the last to go.
      this.waste.delete(id);
      this.waste.set(id, entry);
    }
    return { waste: entry.waste, error: entry.error };
  }

  /** How many history rows the stage's base image has, when it is a local image; else 0 (any row may be the base's). */
  private async baseRows(catalog: ImageCatalog, stage: FinalStage): Promise<number> {
    if (!stage.from || stage.from.toLowerCase() === 'scratch') return 0;
    try {
      const base = await catalog.inspect(stage.from);
      return (await catalog.detailsOf(base.Id)).history.length;
    } catch {
      return 0;
    }
  }

  private async findImage(catalog: ImageCatalog, uri: vscode.Uri, stage: FinalStage): Promise<Found | undefined> {
    const paired = this.pairedRef(uri);
    if (paired) {
      const inspect = await catalog.inspect(paired);
      return { id: inspect.Id, ref: paired, paired: true };
    }
    const layerSteps = stage.steps.filter((s) => LAYER_KEYWORDS.has(s.keyword)).length;
    if (layerSteps === 0) return undefined;
    const base = await this.baseRows(catalog, stage);
    const images = [...(await catalog.images())].sort((a, b) => b.Created - a.Created).slice(0, SEARCH_LIMIT);
    let best: { image: (typeof images)[number]; pairing: StepPairing } | undefined;
    await Promise.all(
      images.map(async (image) => {
        const details = await catalog.detailsOf(image.Id).catch(() => undefined);
        if (!details) return;
        const pairing = pairSteps(stage, rowsOf(details), base);
        // Newest first: an older build that matches as well does not win.
        if (!best || pairing.matchedLayerSteps > best.pairing.matchedLayerSteps || (pairing.matchedLayerSteps === best.pairing.matchedLayerSteps && image.Created > best.image.Created)) {
          best = { image, pairing };
        }
      }),
    );
    // At least half of the steps that make layers must be the image's, or it is some other image.
    if (!best || best.pairing.matchedLayerSteps * 2 < layerSteps) return undefined;
    return { id: best.image.Id, ref: nameOf(best.image.RepoTags, best.image.Id), paired: false };
  }
}

/** The image's `created_by` strings, oldest first. */
function rowsOf(details: ImageDetails): string[] {
  return [...details.history].reverse().map((h) => h.CreatedBy);
}

/** The step costs' layer → the index of the step that made it. */
export function stepOfLayer(costs: readonly StepCost[]): Map<number, number> {
  const out = new Map<number, number>();
  costs.forEach((c, i) => {
    if (c.layer) out.set(c.layer.layerIndex, i);
  });
  return out;
}
