// The Layer Map's layout: images as columns, layers stacked bottom to top, a layer several images use drawn once
// across their columns. Images share a layer exactly when they share its chain (the layer and all below it), so
// the images' chains form a prefix tree; columns in that tree's depth-first order put the users of every layer
// side by side, and each layer sits on the layers below it at the same height in every column that uses it (an
// icicle chart of the tree, drawn upwards). Sharing is therefore always contiguous; the same bytes on another
// base are a layer of their own (stored again), drawn apart and named in its facts.
import { chainIds, type Sha256Hex } from './chain';

export interface MapImage {
  id: string;
  /** The names the user picked that stand for this image (several tags of one image make one column). */
  names: string[];
  diffIds: readonly string[];
  /** Size of each layer, bottom to top (the history's sizes, as every view shows them). */
  sizes: readonly number[];
  /** The build step that made each layer, bottom to top ('' when unknown). */
  steps: readonly string[];
}

export interface MapColumn {
  id: string;
  names: string[];
  /** Bytes of all its layers. */
  size: number;
  layers: number;
}

export interface MapCell {
  chainId: string;
  diffId: string;
  /** Position from the bottom in every image that uses it (RootFS index). */
  depth: number;
  size: number;
  step: string;
  /** Columns it spans: `first` to `last`, both included. */
  first: number;
  last: number;
  /** Where it starts and how tall it is, in the map's units (see `LayoutOptions`). */
  bottom: number;
  height: number;
  /** The images (first name of each column) that use it, left to right. */
  users: string[];
  /** Other layers with the same diff ID on another base: where else these bytes are stored again. */
  sameContent: { name: string; depth: number }[];
}

export interface LayerMap {
  columns: MapColumn[];
  cells: MapCell[];
  /** The tallest column's height, in the map's units. */
  height: number;
  /** Bytes stored once for the images shown (each layer counted once), against the sum of their sizes. */
  storedBytes: number;
  summedBytes: number;
}

export interface LayoutOptions {
  /** Height of the tallest column if no layer were raised to the minimum. */
  height: number;
  /** Every layer is at least this tall, so that a layer of a few bytes can be seen and clicked. */
  minHeight: number;
}

interface TrieNode {
  chainId: string;
  depth: number;
  image: MapImage;
  children: TrieNode[];
  /** Images whose top layer this is. */
  ends: MapImage[];
}

/** The layout of the images' layers; `images` in any order, each image once (by ID). */
export function layoutLayerMap(images: readonly MapImage[], sha256Hex: Sha256Hex, options: LayoutOptions): LayerMap {
  const roots: TrieNode[] = [];
  const chainsOf = new Map<string, string[]>();
  const emptyImages: MapImage[] = [];
  for (const image of images) {
    const chain = chainIds(image.diffIds, sha256Hex);
    chainsOf.set(image.id, chain);
    if (chain.length === 0) {
      emptyImages.push(image);
      continue;
    }
    let level = roots;
    let node: TrieNode | undefined;
    chain.forEach((chainId, depth) => {
      let next = level.find((n) => n.chainId === chainId);
      if (!next) {
        next = { chainId, depth, image, children: [], ends: [] };
        level.push(next);
      }
      node = next;
      level = next.children;
    });
    node!.ends.push(image);
  }

  const columns: MapColumn[] = [];
  const cells: MapCell[] = [];
  const bytes = (n: TrieNode) => n.image.sizes[n.depth] ?? 0;
  const subtreeImages = (n: TrieNode): number => n.ends.length + n.children.reduce((k, c) => k + subtreeImages(c), 0);
  const byName = (a: MapImage, b: MapImage) => a.names[0].localeCompare(b.names[0]) || a.id.localeCompare(b.id);
  // Larger families first, then by name: the order is the same on every refresh.
  const order = (nodes: TrieNode[]) =>
    [...nodes].sort((a, b) => subtreeImages(b) - subtreeImages(a) || byName(firstImage(a), firstImage(b)));
  const firstImage = (n: TrieNode): MapImage => [...n.ends].sort(byName)[0] ?? firstImage(order(n.children)[0]);

  const column = (image: MapImage) => {
    const sizes = image.diffIds.map((_, i) => image.sizes[i] ?? 0);
    columns.push({ id: image.id, names: image.names, size: sizes.reduce((a, b) => a + b, 0), layers: image.diffIds.length });
  };
  const visit = (node: TrieNode): void => {
    const first = columns.length;
    const cell: MapCell = {
      chainId: node.chainId,
      diffId: node.image.diffIds[node.depth],
      depth: node.depth,
      size: bytes(node),
      step: node.image.steps[node.depth] ?? '',
      first,
      last: first,
      bottom: 0,
      height: 0,
      users: [],
      sameContent: [],
    };
    cells.push(cell);
    // An image that ends here sits left of those built on it: its base's cell starts over its own column.
    for (const image of [...node.ends].sort(byName)) column(image);
    for (const child of order(node.children)) visit(child);
    cell.last = columns.length - 1;
    cell.users = columns.slice(first).map((c) => c.names[0]);
  };
  for (const root of order(roots)) visit(root);
  for (const image of [...emptyImages].sort(byName)) column(image);

  const summedBytes = columns.reduce((n, c) => n + c.size, 0);
  const tallest = Math.max(0, ...columns.map((c) => c.size));
  const scale = tallest > 0 ? options.height / tallest : 0;
  const heightOf = (size: number) => Math.max(options.minHeight, size * scale);
  // Cells were made parent first: a cell's bottom is its parent's top (the parent is the cell one layer down
  // spanning its columns).
  const top = new Map<string, number>();
  for (const cell of cells) {
    const chain = chainsOf.get(columns[cell.first].id)!;
    const below = cell.depth > 0 ? chain[cell.depth - 1] : undefined;
    cell.bottom = below ? (top.get(below) ?? 0) : 0;
    cell.height = heightOf(cell.size);
    top.set(cell.chainId, cell.bottom + cell.height);
  }
  const byDiff = new Map<string, MapCell[]>();
  for (const cell of cells) byDiff.set(cell.diffId, [...(byDiff.get(cell.diffId) ?? []), cell]);
  for (const same of byDiff.values()) {
    if (same.length < 2) continue;
    for (const cell of same) cell.sameContent = same.filter((o) => o !== cell).map((o) => ({ name: o.users[0], depth: o.depth }));
  }
  return {
    columns,
    cells,
    height: Math.max(0, ...cells.map((c) => c.bottom + c.height)),
    storedBytes: cells.reduce((n, c) => n + c.size, 0),
    summedBytes,
  };
}
