// Wasted space and the efficiency score, computed the way dive does (wagoodman/dive, filetree/efficiency.go and
// image/image.go), so that the same image gets the same numbers here as in `dive`:
// - each layer is a tree of its tar entries; every leaf of it (a node with no children in that layer) is one
//   "discovery" of its path, a whiteout `.wh.x` being a discovery of `x`;
// - a discovery weighs the entry's size; a whiteout weighs nothing when it removes a file, and the sum of the
//   sizes under the directory when it removes a directory (as found in the layers below, stacked dive's way);
// - score = Σ smallest discovery per path / Σ all discoveries (1 when there is nothing); paths discovered twice
//   or more are the inefficiencies, and wasted bytes = Σ of their cumulative sizes;
// - image size = Σ layer sizes, a layer's size being the sum of its tar entries' sizes.
// dive ignores opaque markers (`.wh..wh..opq`) here, and so does this. One deliberate difference: where dive
// aborts the rest of a layer on a whiteout of a path that does not exist below, this counts that whiteout as 0.
import { cleanPath, type LayerEntry } from './filetree';

export interface Inefficiency {
  /** Absolute path, as dive prints it: `/etc/nginx/nginx.conf`. */
  path: string;
  /** How many times the path was discovered (written, or removed by a whiteout): dive's "Count". */
  count: number;
  /** The index of the layer of each discovery, bottom first. */
  layers: number[];
  /** Σ of the sizes of every discovery: dive's "Total Space". */
  cumulativeSize: number;
  /** The last discovery was a whiteout: the path is gone from the final image. */
  removed: boolean;
}

export interface EfficiencyReport {
  /** 0…1; 1 when nothing is wasted. */
  score: number;
  /** Σ of every layer's size. */
  sizeBytes: number;
  /** Σ of the sizes of the layers above the first (dive's "user" layers). */
  userSizeBytes: number;
  /** Σ of the inefficiencies' cumulative sizes: dive's "potential wasted space". */
  wastedBytes: number;
  /** wastedBytes / userSizeBytes (NaN or Infinity when there are no user bytes, as in dive). */
  wastedUserPercent: number;
  /** Biggest first. */
  inefficiencies: Inefficiency[];
  /** Each layer's size, bottom first. */
  layerSizes: number[];
}

const WHITEOUT = '.wh.';
const DOUBLE_WHITEOUT = '.wh..wh..';

/** A node of dive's FileTree: a payload (isDir, size) and children by name. */
interface DiveNode {
  name: string;
  isDir: boolean;
  size: number;
  children: Map<string, DiveNode>;
}

function diveNode(name: string, isDir = false, size = 0): DiveNode {
  return { name, isDir, size, children: new Map() };
}

function segments(path: string): string[] {
  return cleanPath(path).split('/').filter(Boolean);
}

/** dive's FileTree.AddPath: intermediate nodes get an empty payload; a new `.wh..wh..` name is never added. */
function addPath(root: DiveNode, path: string, isDir: boolean, size: number): void {
  const names = segments(path);
  let node = root;
  names.forEach((name, i) => {
    let child = node.children.get(name);
    if (!child) {
      if (name.startsWith(DOUBLE_WHITEOUT)) return;
      child = diveNode(name);
      node.children.set(name, child);
    }
    node = child;
    if (i === names.length - 1) {
      node.isDir = isDir;
      node.size = size;
    }
  });
}

function getNode(root: DiveNode, names: string[]): DiveNode | undefined {
  let node: DiveNode | undefined = root;
  for (const name of names) {
    node = node.children.get(name);
    if (!node) return undefined;
  }
  return node;
}

function copyTree(node: DiveNode): DiveNode {
  const out = diveNode(node.name, node.isDir, node.size);
  for (const [k, c] of node.children) out.children.set(k, copyTree(c));
  return out;
}

function byName(node: DiveNode): DiveNode[] {
  return [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** dive's VisitDepthChildFirst: children (by name) before their parent; the root is never visited. */
function visitChildFirst(root: DiveNode, visit: (node: DiveNode, names: string[]) => void): void {
  // Iterative post-order, so that a deep hostile tree cannot overflow the stack.
  const stack: { node: DiveNode; names: string[]; expanded: boolean }[] = [{ node: root, names: [], expanded: false }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (!top.expanded) {
      top.expanded = true;
      const kids = byName(top.node);
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], names: [...top.names, kids[i].name], expanded: false });
      continue;
    }
    stack.pop();
    if (top.node !== root) visit(top.node, top.names);
  }
}

/** dive's FileTree.Stack: the upper tree's whiteouts remove paths, its other nodes are added (payload replaced). */
function stack(lower: DiveNode, upper: DiveNode): void {
  visitChildFirst(upper, (node, names) => {
    if (node.name.startsWith(WHITEOUT)) {
      const target = [...names.slice(0, -1), node.name.slice(WHITEOUT.length)];
      const parent = getNode(lower, target.slice(0, -1));
      parent?.children.delete(target[target.length - 1]);
    } else {
      addPath(lower, names.join('/'), node.isDir, node.size);
    }
  });
}

/** The tree dive builds from one layer's tar entries. */
function layerTreeOf(entries: readonly LayerEntry[]): DiveNode {
  const root = diveNode('');
  for (const e of entries) if (e.path) addPath(root, e.path, e.type === 'dir', e.size);
  return root;
}

function sizeUnder(node: DiveNode): number {
  let sum = 0;
  visitChildFirst({ name: '', isDir: true, size: 0, children: new Map([[node.name, node]]) }, (n) => {
    sum += n.size;
  });
  return sum;
}

/** The size of each layer as dive (and the engine) count it: the sum of the tar entries' sizes. */
export function layerSize(entries: readonly LayerEntry[]): number {
  let sum = 0;
  for (const e of entries) sum += e.size;
  return sum;
}

/** dive's Efficiency and Analyze over the layers' entries, bottom layer first. */
export function efficiency(layers: readonly (readonly LayerEntry[])[]): EfficiencyReport {
  interface Data {
    path: string;
    cumulative: number;
    min: number;
    layers: number[];
    removed: boolean;
  }
  const byPath = new Map<string, Data>();
  const matches: Data[] = [];
  const trees = layers.map(layerTreeOf);
  // dive stacks trees[0..i-1] onto a copy of trees[0] for every whiteout; this keeps that stack as it goes.
  const stacked = trees.length ? copyTree(trees[0]) : diveNode('');

  trees.forEach((tree, index) => {
    visitChildFirst(tree, (node, names) => {
      if (node.children.size > 0) return; // leaves only
      const whiteout = node.name.startsWith(WHITEOUT);
      const leaf = whiteout ? node.name.slice(WHITEOUT.length) : node.name;
      const path = '/' + [...names.slice(0, -1), leaf].join('/');
      let size = 0;
      if (whiteout) {
        const before = getNode(stacked, [...names.slice(0, -1), leaf]);
        if (before?.isDir) size = sizeUnder(before);
      } else {
        size = node.size;
      }
      let data = byPath.get(path);
      if (!data) {
        data = { path, cumulative: 0, min: -1, layers: [], removed: false };
        byPath.set(path, data);
      }
      data.cumulative += size;
      if (data.min < 0 || size < data.min) data.min = size;
      data.layers.push(index);
      data.removed = whiteout;
      if (data.layers.length === 2) matches.push(data);
    });
    stack(stacked, tree);
  });

  let minimum = 0;
  let discovered = 0;
  for (const d of byPath.values()) {
    minimum += d.min;
    discovered += d.cumulative;
  }
  const score = discovered === 0 ? 1 : minimum / discovered;
  const layerSizes = layers.map(layerSize);
  const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (layerSizes[0] ?? 0);
  const inefficiencies = matches
    .map((d) => ({ path: d.path, count: d.layers.length, layers: d.layers, cumulativeSize: d.cumulative, removed: d.removed }))
    .sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const wastedBytes = inefficiencies.reduce((a, d) => a + d.cumulativeSize, 0);
  return {
    score,
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    wastedUserPercent: wastedBytes / userSizeBytes,
    inefficiencies,
    layerSizes,
  };
}
