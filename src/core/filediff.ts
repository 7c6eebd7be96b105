// Two merged filesystems compared path by path (what `container-diff --type=file` reports): the entries only one
// image has, and those both have with another type, size, mode, link target or contents (the hash the layer
// reader takes of every file as it passes).
import type { EntryType, FileNode, FileTree } from './filetree';

export interface FileFacts {
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  linkname?: string;
  contentHash?: string;
}

export interface FileDiff {
  onlyA: FileFacts[];
  onlyB: FileFacts[];
  /** Entries both have, as A has them (`a`) and as B has them (`b`). */
  differ: { a: FileFacts; b: FileFacts }[];
  bytesOnlyA: number;
  bytesOnlyB: number;
  /** Entries both have alike. */
  same: number;
}

/** Every entry of a merged tree by path; directories made only for a deeper path are left out. */
function entries(tree: FileTree): Map<string, FileFacts> {
  const out = new Map<string, FileFacts>();
  const stack: FileNode[] = [tree.root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n !== tree.root && !n.implied && n.change !== 'removed') {
      const facts: FileFacts = { path: n.path, type: n.type, size: n.size, mode: n.mode };
      if (n.linkname !== undefined) facts.linkname = n.linkname;
      if (n.contentHash !== undefined) facts.contentHash = n.contentHash;
      out.set(n.path, facts);
    }
    if (n.children) for (const c of n.children.values()) if (c.change !== 'removed') stack.push(c);
  }
  return out;
}

const bySize = (x: FileFacts, y: FileFacts) => y.size - x.size || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);

export function diffTrees(a: FileTree, b: FileTree): FileDiff {
  const inA = entries(a);
  const inB = entries(b);
  const diff: FileDiff = { onlyA: [], onlyB: [], differ: [], bytesOnlyA: 0, bytesOnlyB: 0, same: 0 };
  for (const [path, fa] of inA) {
    const fb = inB.get(path);
    if (!fb) {
      diff.onlyA.push(fa);
      diff.bytesOnlyA += fa.size;
    } else if (fa.type !== fb.type || fa.size !== fb.size || fa.mode !== fb.mode || fa.linkname !== fb.linkname || fa.contentHash !== fb.contentHash) {
      diff.differ.push({ a: fa, b: fb });
    } else {
      diff.same++;
    }
  }
  for (const [path, fb] of inB) {
    if (inA.has(path)) continue;
    diff.onlyB.push(fb);
    diff.bytesOnlyB += fb.size;
  }
  diff.onlyA.sort(bySize);
  diff.onlyB.sort(bySize);
  diff.differ.sort((x, y) => Math.max(y.a.size, y.b.size) - Math.max(x.a.size, x.b.size) || (x.a.path < y.a.path ? -1 : 1));
  return diff;
}
