// A cache in front of a backend for the views and hovers: one list, and inspect/history per image,
// kept until the next refresh, with a bound on how many requests run at once.
import type { HistoryItem, ImageInspect, ImageSummary } from '../core/model';
import type { ImageBackend } from './backend';

export interface ImageDetails {
  inspect: ImageInspect;
  history: HistoryItem[];
}

export class ImageCatalog {
  private list: Promise<ImageSummary[]> | undefined;
  private readonly details = new Map<string, Promise<ImageDetails>>();
  private readonly inspects = new Map<string, Promise<ImageInspect>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Bumped on every invalidation, so that callers can tell answers of different states apart. */
  generation = 0;

  constructor(
    readonly backend: ImageBackend,
    private readonly concurrency = 8,
  ) {}

  invalidate(): void {
    this.list = undefined;
    this.details.clear();
    this.inspects.clear();
    this.generation++;
  }

  images(): Promise<ImageSummary[]> {
    if (!this.list) {
      const p = this.backend.listImages();
      this.list = p;
      p.catch(() => {
        if (this.list === p) this.list = undefined;
      });
    }
    return this.list;
  }

  /** Inspect by any reference; cached per reference. */
  inspect(ref: string): Promise<ImageInspect> {
    return this.cached(this.inspects, ref, () => this.limited(() => this.backend.inspectImage(ref)));
  }

  /** Inspect and history of one image, by ID; cached per ID. */
  detailsOf(id: string): Promise<ImageDetails> {
    return this.cached(this.details, id, () =>
      this.limited(async () => {
        const [inspect, history] = await Promise.all([this.backend.inspectImage(id), this.backend.imageHistory(id)]);
        return { inspect, history };
      }),
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

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
