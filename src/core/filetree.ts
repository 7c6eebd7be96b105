// File trees from the entries of layer tars: one layer's own changes (added, modified, removed by whiteout) and the
// merged filesystem as of a layer, with whiteouts and opaque directories applied the way go-containerregistry's
// mutate.Extract does. Paths come from strangers: they are cleaned to stay under the root and only ever displayed.

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One tar entry, as read from a layer. `path` is cleaned (see cleanPath): relative, no `.`/`..`, no trailing `/`. */
export interface LayerEntry {
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  linkname?: string;
  /** A regular file's contents: the first 128 bits of their sha256, base64 (absent for empty files). */
  contentHash?: string;
  /** Where the entry's data starts in the layer's uncompressed tar: a file is read from there, not from the top. */
  offset?: number;
}

export type Change = 'added' | 'modified' | 'removed' | 'unchanged';

export interface FileNode {
  name: string;
  /** Relative path from the root, '' for the root itself. */
  path: string;
  type: EntryType;
  /** The entry's own size (0 for directories and links). For a removed node: the size it took below. */
  size: number;
  mode: number;
  linkname?: string;
  contentHash?: string;
  /** The layer (its position in the stack, 0 at the bottom) whose entry this node is; absent for implied dirs. */
  layer?: number;
  /** The entry's data offset in that layer's tar (LayerEntry.offset). */
  offset?: number;
  /** A directory made only because a deeper path needs it; no entry of its own. */
  implied: boolean;
  change: Change;
  /** The directory carried `.wh..wh..opq` in this layer: everything below it from lower layers is hidden. */
  opaque?: boolean;
  children?: Map<string, FileNode>;
  /** Own size plus every descendant's (removed descendants excluded). Set by finish(). */
  total: number;
  /** Entries in the subtree, the node included. Set by finish(). */
  count: number;
}

export interface TreeCounts {
  /** Entries with a node of their own (implied directories not counted). */
  entries: number;
  files: number;
  dirs: number;
  links: number;
  added: number;
  modified: number;
  removed: number;
  /** Sum of the sizes of the entries present (removed ones excluded). */
  bytes: number;
  /** Bytes that the removals in this layer hide (only meaningful in a layer's own tree). */
  removedBytes: number;
}

export interface FileTree {
  root: FileNode;
  counts: TreeCounts;
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * A tar name as a path under the root: leading `/` and `./` dropped, `.` segments dropped, `..` never climbs
 * above the root (like path.Clean of `/` + name). Returns '' for the root itself.
 */
export function cleanPath(raw: string): string {
  const out: string[] = [];
  for (const part of raw.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

export type Whiteout = { kind: 'whiteout'; target: string } | { kind: 'opaque'; dir: string } | { kind: 'meta' };

/** What a whiteout entry does: `.wh.name` removes name, `.wh..wh..opq` empties its directory; other `.wh..wh.` names are AUFS bookkeeping. */
export function whiteoutOf(path: string): Whiteout | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return { kind: 'meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (!name || name === '.' || name === '..') return { kind: 'meta' };
  return { kind: 'whiteout', target: dir ? `${dir}/${name}` : name };
}

function newRoot(): FileNode {
  return { name: '', path: '', type: 'dir', size: 0, mode: 0o755, implied: true, change: 'unchanged', children: new Map(), total: 0, count: 0 };
}

function emptyCounts(): TreeCounts {
  return { entries: 0, files: 0, dirs: 0, links: 0, added: 0, modified: 0, removed: 0, bytes: 0, removedBytes: 0 };
}

/** The node at a path, or undefined. */
export function findNode(tree: FileTree | FileNode, path: string): FileNode | undefined {
  let node: FileNode | undefined = 'root' in tree ? tree.root : tree;
  if (!path) return node;
  for (const part of path.split('/')) {
    node = node?.children?.get(part);
    if (!node) return undefined;
  }
  return node;
}

/** The directory at `path`, made (as implied directories) where missing; a non-directory in the way is replaced. */
function ensureDir(root: FileNode, path: string, change: Change): FileNode {
  let node = root;
  if (!path) return node;
  let sofar = '';
  for (const part of path.split('/')) {
    sofar = sofar ? `${sofar}/${part}` : part;
    let child = node.children!.get(part);
    if (!child || child.type !== 'dir' || child.change === 'removed') {
      child = { name: part, path: sofar, type: 'dir', size: 0, mode: 0o755, implied: true, change, children: new Map(), total: 0, count: 0 };
      node.children!.set(part, child);
    }
    node = child;
  }
  return node;
}

function parentAndName(path: string): [string, string] {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? ['', path] : [path.slice(0, slash), path.slice(slash + 1)];
}

/** Puts an entry at its path: a directory over a directory keeps the children; anything else replaces. */
function place(root: FileNode, entry: LayerEntry, change: Change, layer?: number): FileNode {
  const [dir, name] = parentAndName(entry.path);
  const parent = ensureDir(root, dir, change === 'removed' ? 'unchanged' : change);
  const existing = parent.children!.get(name);
  const node: FileNode = {
    name,
    path: entry.path,
    type: entry.type,
    size: entry.type === 'dir' ? 0 : entry.size,
    mode: entry.mode,
    implied: false,
    change,
    total: 0,
    count: 0,
  };
  if (entry.linkname !== undefined) node.linkname = entry.linkname;
  if (entry.contentHash !== undefined) node.contentHash = entry.contentHash;
  if (layer !== undefined && change !== 'removed') node.layer = layer;
  if (entry.offset !== undefined && change !== 'removed') node.offset = entry.offset;
  if (entry.type === 'dir') node.children = existing?.type === 'dir' && existing.children ? existing.children : new Map();
  if (existing?.opaque) node.opaque = true;
  parent.children!.set(name, node);
  return node;
}

/** Splits a layer's entries into whiteouts (applied first, to the layers below) and the rest. */
function partition(entries: readonly LayerEntry[]) {
  const removals: string[] = [];
  const opaques: string[] = [];
  const files: LayerEntry[] = [];
  for (const e of entries) {
    if (!e.path) continue;
    const w = whiteoutOf(e.path);
    if (!w) files.push(e);
    else if (w.kind === 'whiteout') removals.push(w.target);
    else if (w.kind === 'opaque') opaques.push(w.dir);
  }
  return { removals, opaques, files };
}

function removePath(root: FileNode, path: string): FileNode | undefined {
  const [dir, name] = parentAndName(path);
  const parent = findNode(root, dir);
  const node = parent?.children?.get(name);
  if (node) parent!.children!.delete(name);
  return node;
}

/**
 * Applies one layer on top of a merged tree, in place: its whiteouts and opaque markers hide what the layers below
 * put there, then its entries are placed. Changes are not marked (everything is 'unchanged').
 */
export function applyLayer(merged: FileTree, entries: readonly LayerEntry[], layer?: number): FileTree {
  const { removals, opaques, files } = partition(entries);
  for (const dir of opaques) {
    const node = findNode(merged.root, dir);
    if (node?.children) node.children = new Map();
  }
  for (const path of removals) removePath(merged.root, path);
  for (const e of files) place(merged.root, e, 'unchanged', layer);
  return merged;
}

/** The filesystem as of the last layer given (bottom first), every layer applied in order. */
export function mergeLayers(layers: readonly (readonly LayerEntry[])[]): FileTree {
  const tree: FileTree = { root: newRoot(), counts: emptyCounts() };
  layers.forEach((entries, i) => applyLayer(tree, entries, i));
  return finish(tree);
}

/**
 * One layer's own changes: each entry added (not there below) or modified (there below), each whiteout a
 * removed node carrying the size it hid, each opaque directory marked. Without `below`, entries count as added.
 * `below` is the merged tree of the layers underneath (it is only read).
 */
export function layerTree(entries: readonly LayerEntry[], below?: FileTree, layer?: number): FileTree {
  const tree: FileTree = { root: newRoot(), counts: emptyCounts() };
  const { removals, opaques, files } = partition(entries);
  const existedBelow = (path: string) => (below ? findNode(below.root, path) : undefined);
  for (const dir of opaques) {
    const node = ensureDir(tree.root, dir, existedBelow(dir) ? 'unchanged' : 'added');
    node.opaque = true;
  }
  for (const path of removals) {
    const was = existedBelow(path);
    const node = place(tree.root, { path, type: was?.type ?? 'file', size: was?.total ?? 0, mode: was?.mode ?? 0 }, 'removed');
    if (node.children) node.children = new Map();
    node.size = was?.total ?? 0;
    if (was?.linkname !== undefined) node.linkname = was.linkname;
  }
  for (const e of files) {
    const was = existedBelow(e.path);
    place(tree.root, e, was ? 'modified' : 'added', layer);
  }
  if (below) {
    // Implied directories stand for what is already there below.
    walk(tree.root, (n) => {
      if (n.implied && n !== tree.root) n.change = existedBelow(n.path) ? 'unchanged' : 'added';
    });
  }
  return finish(tree);
}

function walk(root: FileNode, visit: (n: FileNode) => void): void {
  const stack: FileNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    visit(n);
    if (n.children) for (const c of n.children.values()) stack.push(c);
  }
}

/** Computes totals and counts, bottom up, without recursion (hostile trees can be deep). */
export function finish(tree: FileTree): FileTree {
  const order: FileNode[] = [];
  walk(tree.root, (n) => order.push(n));
  const counts = emptyCounts();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let total = n.size;
    let count = n.implied ? 0 : 1;
    if (n.children) {
      for (const c of n.children.values()) {
        if (c.change !== 'removed') total += c.total;
        count += c.count;
      }
    }
    n.total = total;
    n.count = count;
    if (n === tree.root || n.implied) continue;
    counts.entries++;
    if (n.change === 'removed') {
      counts.removed++;
      counts.removedBytes += n.size;
      continue;
    }
    if (n.change === 'added') counts.added++;
    else if (n.change === 'modified') counts.modified++;
    if (n.type === 'dir') counts.dirs++;
    else if (n.type === 'symlink' || n.type === 'hardlink') counts.links++;
    else counts.files++;
    counts.bytes += n.size;
  }
  tree.counts = counts;
  return tree;
}

/** Children of a directory, by name (code point order, like dive), or none. */
export function sortedChildren(node: FileNode): FileNode[] {
  if (!node.children) return [];
  return [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Up to `limit` nodes whose path contains `query` (case-insensitive), in path order, and how many matched in all. */
export function searchTree(tree: FileTree, query: string, limit: number): { nodes: FileNode[]; total: number } {
  const q = query.toLowerCase();
  const nodes: FileNode[] = [];
  let total = 0;
  // Depth first, children in name order, so that results read like the tree.
  const stack: FileNode[] = sortedChildren(tree.root).reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (n.path.toLowerCase().includes(q)) {
      total++;
      if (nodes.length < limit) nodes.push(n);
    }
    if (n.children) stack.push(...sortedChildren(n).reverse());
  }
  return { nodes, total };
}
