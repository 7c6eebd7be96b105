// A cache in front of a backend for the views and hovers: one list, and inspect/history per image,
// kept until the next refresh, with a bound on how many requests run at once.
import { createHash } from 'crypto';
import { layerSteps, type LayerStep, type StepEvidence } from '../core/layers';
import { Limiter, mapLimit } from '../core/limit';
import type { HistoryItem, ImageInspect, ImageSummary } from '../core/model';
import { shortId } from '../core/reference';
import { indexLayers, type ImageLayersInput, type LayerIndex } from '../core/sharing';
import { BackendError, type ImageBackend, type ImageSource } from './backend';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export interface ImageDetails {
  inspect: ImageInspect;
  history: HistoryItem[];
  /** What else decides which step made which layer (see core/layers.ts). */
  evidence: StepEvidence;
}

/**
 * Docker names on a history row the local image that row ended (the classic builder leaves one per step); that
 * image's layer count anchors the pairing (StepEvidence.layersOf). Podman's row IDs mean something else.
 */
export async function rowLayerCounts(backend: ImageSource, history: HistoryItem[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const ids = [...new Set(history.map((h) => h.Id).filter((id) => id !== '<missing>'))];
  // A classic build names an image on every row: a few at a time, as the catalog asks.
  await mapLimit(ids, 8, async (id) => {
    try {
      counts.set(id, (await backend.inspectImage(id)).RootFS?.Layers?.length ?? 0);
    } catch {
      // A parent removed meanwhile anchors nothing.
    }
  });
  return counts;
}

/** The image's steps paired with its layers: what every view shows of them. */
export function stepsOf(details: ImageDetails): LayerStep[] {
  return layerSteps(details.inspect, details.history, details.evidence);
}

/** The size and build step of each layer, bottom to top (RootFS order), as the pairing of steps gives them. */
export function layerFacts(details: ImageDetails): { sizes: number[]; steps: string[] } {
  const sizes: number[] = [];
  const steps: string[] = [];
  for (const step of stepsOf(details)) {
    if (step.layerIndex === undefined) continue;
    sizes[step.layerIndex] = step.size;
    steps[step.layerIndex] = step.createdBy;
  }
  return { sizes, steps };
}

/** A list that takes longer than this is a hung engine, not a large one: the view says so instead of spinning. */
const LIST_DEADLINE_MS = 20_000;

function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendError('unreachable', message)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export class ImageCatalog {
  private list: Promise<ImageSummary[]> | undefined;
  private readonly details = new Map<string, Promise<ImageDetails>>();
  private readonly inspects = new Map<string, Promise<ImageInspect>>();
  private index: Promise<LayerIndex> | undefined;
  private readonly requests: Limiter;
  /** Bumped on every invalidation, so that callers can tell answers of different states apart. */
  generation = 0;

  constructor(
    readonly backend: ImageBackend,
    concurrency = backend.parallelReads ?? 8,
  ) {
    this.requests = new Limiter(concurrency);
  }

  invalidate(): void {
    this.list = undefined;
    this.details.clear();
    this.inspects.clear();
    this.index = undefined;
    this.generation++;
  }

  images(): Promise<ImageSummary[]> {
    if (!this.list) {
      const p = withDeadline(this.backend.listImages(), LIST_DEADLINE_MS, 'The image backend did not list its images in time.');
      this.list = p;
      p.catch(() => {
        if (this.list === p) this.list = undefined;
      });
    }
    return this.list;
  }

  /** Inspect by any reference; cached per reference. */
  inspect(ref: string): Promise<ImageInspect> {
    return this.cached(this.inspects, ref, () => this.requests.run(() => this.backend.inspectImage(ref)));
  }

  /** Inspect and history of one image, by ID; cached per ID. */
  detailsOf(id: string): Promise<ImageDetails> {
    return this.cached(this.details, id, () =>
      this.requests.run(async () => {
        const [inspect, history, emptyLayers] = await Promise.all([
          this.backend.inspectImage(id),
          this.backend.imageHistory(id),
          // The flags only sharpen the pairing: without them it works from the history alone.
          this.backend.emptyLayerFlags?.(id).catch(() => undefined),
        ]);
        const details: ImageDetails = { inspect, history, evidence: emptyLayers ? { emptyLayers } : {} };
        if (!emptyLayers && this.backend.kind === 'docker' && stepsOf(details).some((s) => s.uncertain)) {
          details.evidence = { layersOf: await rowLayerCounts(this.backend, history) };
        }
        return details;
      }),
    );
  }

  /**
   * Which images use which layers, over every image: from the backend's layer facts where it has them, else by
   * inspecting each image once, a few at a time.
   */
  layerIndex(): Promise<LayerIndex> {
    if (!this.index) {
      const p = this.buildIndex();
      this.index = p;
      p.catch(() => {
        if (this.index === p) this.index = undefined;
      });
    }
    return this.index;
  }

  private async buildIndex(): Promise<LayerIndex> {
    const [images, facts] = await Promise.all([this.images(), this.backend.layerFacts?.()]);
    const inputs = await Promise.all(
      images.map(async (image): Promise<ImageLayersInput | undefined> => {
        const name = image.RepoTags[0] ?? shortId(image.Id);
        const known = facts?.get(image.Id);
        if (known) return { id: image.Id, name, ...known };
        try {
          const details = await this.detailsOf(image.Id);
          const { inspect } = details;
          const { sizes, steps } = layerFacts(details);
          return { id: image.Id, name, diffIds: inspect.RootFS?.Layers ?? [], sizes, steps };
        } catch {
          // An image removed while the index was built simply drops out of it.
          return undefined;
        }
      }),
    );
    return indexLayers(
      inputs.filter((i): i is ImageLayersInput => i !== undefined),
      sha256Hex,
    );
  }

  private cached<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let p = map.get(key);
    if (!p) {
      p = make();
      map.set(key, p);
      const made = p;
      made.catch(() => {
        if (map.get(key) === made) map.delete(key);
      });
    }
    return p;
  }
}
