// Which images use which layers. Two images share a layer when they share its chain ID: the same diff
// on top of the same layers below it, which is how the engine stores it once.
import { chainIds, type Sha256Hex } from './chain';

export interface ImageLayersInput {
  id: string;
  /** A name to show: the first tag, else the short ID. */
  name: string;
  diffIds: readonly string[];
  /** Size of each layer, bottom to top, where known. */
  sizes?: readonly number[];
  /** The build step that made each layer, bottom to top, where known. */
  steps?: readonly string[];
  /** The chain IDs of `diffIds` where the backend keeps them: 50,000 layers hash in 100 ms otherwise. */
  chainIds?: readonly string[];
}

export interface LayerUsage {
  chainId: string;
  diffId: string;
  /** 0 = the base layer. */
  depth: number;
  size: number;
  /** The build step that made the layer ('' when unknown). */
  createdBy: string;
  /** IDs of the images that use this layer. */
  imageIds: string[];
  imageNames: string[];
}

export interface LayerIndex {
  /** By chain ID. */
  layers: Map<string, LayerUsage>;
  /** Chain IDs of each image, bottom to top, by image ID. */
  chains: Map<string, string[]>;
}

export function indexLayers(images: readonly ImageLayersInput[], sha256Hex: Sha256Hex): LayerIndex {
  const layers = new Map<string, LayerUsage>();
  const chains = new Map<string, string[]>();
  for (const image of images) {
    const chain = image.chainIds ? [...image.chainIds] : chainIds(image.diffIds, sha256Hex);
    chains.set(image.id, chain);
    chain.forEach((chainId, depth) => {
      let usage = layers.get(chainId);
      if (!usage) {
        usage = {
          chainId,
          diffId: image.diffIds[depth],
          depth,
          size: image.sizes?.[depth] ?? 0,
          createdBy: image.steps?.[depth] ?? '',
          imageIds: [],
          imageNames: [],
        };
        layers.set(chainId, usage);
      }
      if (!usage.imageIds.includes(image.id)) {
        usage.imageIds.push(image.id);
        usage.imageNames.push(image.name);
      }
      if (!usage.size && image.sizes?.[depth]) usage.size = image.sizes[depth];
    });
  }
  return { layers, chains };
}

/** How many images (this one included) use the layer at `depth` of the image: the N of "shared by N images". */
export function imagesUsing(index: LayerIndex, imageId: string, depth: number): number {
  const chainId = index.chains.get(imageId)?.[depth];
  const usage = chainId ? index.layers.get(chainId) : undefined;
  return usage ? usage.imageIds.length : 1;
}

/** "shared by N" where more than one image uses a layer, "1 image" otherwise: the narrow rows' one wording. */
export function describeUsers(images: number): string {
  return images > 1 ? `shared by ${images}` : '1 image';
}

/** Every layer, largest first, then by how many images use it. */
export function layersBySize(index: LayerIndex): LayerUsage[] {
  return [...index.layers.values()].sort(
    // Chain IDs are lowercase hex: code-unit order is theirs, and 50,000 localeCompare calls cost tens of ms.
    (a, b) => b.size - a.size || b.imageIds.length - a.imageIds.length || (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0),
  );
}

/** Bytes shared (used by more than one image) and unique, across all images. */
export function sharingTotals(index: LayerIndex): { shared: number; unique: number; layers: number } {
  let shared = 0;
  let unique = 0;
  for (const usage of index.layers.values()) {
    if (usage.imageIds.length > 1) shared += usage.size;
    else unique += usage.size;
  }
  return { shared, unique, layers: index.layers.size };
}
