// A consistent picture of the store for one operation: every image, its layers' records, tags and parents.
// Layer reference counts are derived from it (a layer lives while some image's stack contains it), the way
// the engine rebuilds its counts from the image store when it starts.
import type { ImageSummary } from '../../core/model';
import type { StoreLayout } from './layout';
import { listChainIds, readAllImages, readLayer, readParent, type LayerRecord, type StoredImage } from './records';
import { Repositories } from './repositories';

export class StoreSnapshot {
  readonly byId = new Map<string, StoredImage>();
  readonly parents = new Map<string, string>();

  private constructor(
    readonly layout: StoreLayout,
    readonly repos: Repositories,
    images: StoredImage[],
    readonly layers: Map<string, LayerRecord>,
  ) {
    for (const img of images) this.byId.set(img.id, img);
  }

  static async read(layout: StoreLayout): Promise<StoreSnapshot> {
    const repos = await Repositories.read(layout.repositories);
    const images = await readAllImages(layout);
    const layers = new Map<string, LayerRecord>();
    for (const chainId of await listChainIds(layout)) {
      const rec = await readLayer(layout, chainId);
      if (rec) layers.set(chainId, rec);
    }
    const snap = new StoreSnapshot(layout, repos, images, layers);
    for (const img of images) {
      const parent = await readParent(layout, img.id);
      if (parent && snap.byId.has(parent)) snap.parents.set(img.id, parent);
    }
    return snap;
  }

  images(): StoredImage[] {
    return [...this.byId.values()];
  }

  children(id: string): string[] {
    return [...this.parents.entries()].filter(([, p]) => p === id).map(([c]) => c);
  }

  /** The image's own ID and its ancestors' IDs, nearest first. */
  lineage(id: string): string[] {
    const out = [id];
    let p = this.parents.get(id);
    while (p && !out.includes(p)) {
      out.push(p);
      p = this.parents.get(p);
    }
    return out;
  }

  layerSize(chainId: string): number {
    return this.layers.get(chainId)?.size ?? 0;
  }

  imageSize(img: StoredImage): number {
    return img.chainIds.reduce((n, c) => n + this.layerSize(c), 0);
  }

  /** How many images' stacks contain each chain. */
  chainRefs(): Map<string, number> {
    const refs = new Map<string, number>();
    for (const img of this.byId.values()) for (const c of img.chainIds) refs.set(c, (refs.get(c) ?? 0) + 1);
    return refs;
  }

  summary(img: StoredImage, sharedSize = -1): ImageSummary {
    const created = img.config.created ? Date.parse(img.config.created) : NaN;
    return {
      Id: img.id,
      ParentId: this.parents.get(img.id) ?? '',
      RepoTags: this.repos.tagsOf(img.id),
      RepoDigests: this.repos.digestsOf(img.id),
      Created: Number.isFinite(created) ? Math.floor(created / 1000) : 0,
      Size: this.imageSize(img),
      SharedSize: sharedSize,
      Labels: { ...(img.config.config?.Labels ?? {}) },
      Containers: sharedSize === -1 ? -1 : 0,
    };
  }
}
