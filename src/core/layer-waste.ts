// Dead bytes per layer: what each layer wrote that a later layer removed (a whiteout, an opaque directory) or
// overwrote (the same path written again, or a file replaced by a directory or the other way round). Those bytes
// stay in the layer's blob, are pulled and stored with it, and are seen by nobody. This is the answer to "which
// step wasted space, and which later step hid it", for tree rows, hovers and the Dockerfile lenses.
// dive's "wasted bytes" (efficiency.ts) is another measure: it counts every copy of a path touched twice, the
// surviving one too. Here only the hidden copies count, each on the layer that wrote it, so the layers' dead
// bytes add up to exactly what the final filesystem does not show.
import { whiteoutOf, type LayerEntry } from './filetree';

export interface HiddenPath {
  /** Relative path, as in the layer's tar (`tmp/big.tar`). */
  path: string;
  /** Bytes the layer holds for it. */
  size: number;
  /** The index (bottom first) of the layer that hid it. */
  hiddenBy: number;
  /** Removed (a whiteout or an opaque directory) or written over. */
  how: 'removed' | 'overwritten';
}

export interface LayerWaste {
  /** Σ of `paths`' sizes. */
  bytes: number;
  /** What the layer wrote that a later layer hid, biggest first. */
  paths: HiddenPath[];
}

/** A visible non-directory, as of the layers stacked so far. */
interface Leaf {
  layer: number;
  size: number;
}

/** The merged filesystem's leaves as a trie, so that a removed directory gives up everything under it at once. */
interface Dir {
  leaves: Map<string, Leaf>;
  dirs: Map<string, Dir>;
}

const newDir = (): Dir => ({ leaves: new Map(), dirs: new Map() });

/** Every leaf under `dir`, with its path. Iterative: a deep hostile tree cannot overflow the stack. */
function leavesUnder(dir: Dir, prefix: string): { path: string; leaf: Leaf }[] {
  const out: { path: string; leaf: Leaf }[] = [];
  const stack: { dir: Dir; prefix: string }[] = [{ dir, prefix }];
  while (stack.length) {
    const top = stack.pop()!;
    for (const [name, leaf] of top.dir.leaves) out.push({ path: `${top.prefix}${name}`, leaf });
    for (const [name, sub] of top.dir.dirs) stack.push({ dir: sub, prefix: `${top.prefix}${name}/` });
  }
  return out;
}

/** Dead bytes of each layer, bottom first, from the layers' tar entries (bottom first). */
export function layerWaste(layers: readonly (readonly LayerEntry[])[]): LayerWaste[] {
  const out: LayerWaste[] = layers.map(() => ({ bytes: 0, paths: [] }));
  const root = newDir();
  const hide = (path: string, leaf: Leaf, hiddenBy: number, how: HiddenPath['how']) => {
    if (leaf.size === 0) return; // an empty file or a link hidden wastes nothing
    out[leaf.layer].paths.push({ path, size: leaf.size, hiddenBy, how });
    out[leaf.layer].bytes += leaf.size;
  };
  /** The directory at `names`, made when `create`; a leaf in the way is hidden (a file replaced by a directory). */
  const dirAt = (names: string[], create: boolean, layer: number): Dir | undefined => {
    let dir = root;
    let path = '';
    for (const name of names) {
      path = path ? `${path}/${name}` : name;
      let next = dir.dirs.get(name);
      if (!next) {
        if (!create) return undefined;
        const leaf = dir.leaves.get(name);
        if (leaf) {
          hide(path, leaf, layer, 'overwritten');
          dir.leaves.delete(name);
        }
        next = newDir();
        dir.dirs.set(name, next);
      }
      dir = next;
    }
    return dir;
  };
  /** Removes `path` (a leaf, or a directory and everything under it) from the merged view. */
  const remove = (path: string, layer: number, how: HiddenPath['how']) => {
    const names = path.split('/');
    const name = names.pop()!;
    const parent = dirAt(names, false, layer);
    if (!parent) return;
    const leaf = parent.leaves.get(name);
    if (leaf) {
      hide(path, leaf, layer, how);
      parent.leaves.delete(name);
    }
    const sub = parent.dirs.get(name);
    if (sub) {
      for (const { path: p, leaf: l } of leavesUnder(sub, `${path}/`)) hide(p, l, layer, how);
      parent.dirs.delete(name);
    }
  };

  layers.forEach((entries, index) => {
    // A layer's whiteouts and opaque markers apply to the layers below it, before anything it adds.
    for (const e of entries) {
      const w = whiteoutOf(e.path);
      if (!w || w.kind === 'meta') continue;
      if (w.kind === 'whiteout') {
        remove(w.target, index, 'removed');
      } else {
        const dir = w.dir ? dirAt(w.dir.split('/'), false, index) : root;
        if (!dir) continue;
        const prefix = w.dir ? `${w.dir}/` : '';
        for (const { path, leaf } of leavesUnder(dir, prefix)) hide(path, leaf, index, 'removed');
        dir.leaves.clear();
        dir.dirs.clear();
      }
    }
    for (const e of entries) {
      if (!e.path || whiteoutOf(e.path)) continue;
      const names = e.path.split('/');
      if (e.type === 'dir') {
        dirAt(names, true, index);
        continue;
      }
      const name = names.pop()!;
      const parent = dirAt(names, true, index)!;
      const sub = parent.dirs.get(name);
      if (sub) {
        // A directory replaced by a file: everything that was under it is hidden.
        for (const { path, leaf } of leavesUnder(sub, `${e.path}/`)) hide(path, leaf, index, 'overwritten');
        parent.dirs.delete(name);
      }
      const before = parent.leaves.get(name);
      if (before) hide(e.path, before, index, 'overwritten');
      parent.leaves.set(name, { layer: index, size: e.size });
    }
  });
  for (const w of out) w.paths.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}
