// Recovery and repair delete things, and what they are told to delete comes from files in the store (a journal,
// folder listings), which a store folder shipped by someone else can forge or point elsewhere with symlinks.
// So a path is removed only when it is one of the store's own pieces by name and, with every symlink above it
// resolved, still lies inside the store's root.
import { promises as fs } from 'fs';
import * as path from 'path';
import type { StoreLayout } from './layout';
import { removeTree } from './remove-tree';

const HEX64 = /^[a-f0-9]{64}$/;

/** The folders a commit creates pieces in, and the shape of those pieces' names. */
function commitFolders(layout: StoreLayout): [folder: string, name: RegExp][] {
  return [
    [layout.layerData, /^[a-f0-9]{64}\.tar$/],
    [layout.layerdbChains, HEX64],
    [path.dirname(layout.diffIdByDigest('sha256:' + '0'.repeat(64))), HEX64],
    [layout.imageContent, HEX64],
    [layout.imageMetadata, HEX64],
  ];
}

/** Whether `p`, as a journal names it, is something a commit creates: resolved, in one of its folders, by name. */
export function isCommitPiece(layout: StoreLayout, p: string): boolean {
  const resolved = path.resolve(p);
  return commitFolders(layout).some(([folder, name]) => path.dirname(resolved) === path.resolve(folder) && name.test(path.basename(resolved)));
}

function within(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!!rel && !rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Removes `p` (a file, or a folder with what it holds) when its folder, symlinks resolved, is inside the store.
 * The last component itself is never followed: a symlink there is removed, not what it points at.
 * Returns false when it refused; true when it removed `p` or there was nothing there (like `rm -f`).
 */
export async function removeInsideStore(layout: StoreLayout, p: string): Promise<boolean> {
  const resolved = path.resolve(p);
  let realRoot: string;
  let realFolder: string;
  try {
    realRoot = await fs.realpath(layout.root);
    realFolder = await fs.realpath(path.dirname(resolved));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  if (!within(realRoot, realFolder) || !within(path.resolve(layout.root), resolved)) return false;
  const target = path.join(realFolder, path.basename(resolved));
  // A real folder is removed a few files at a time (it may hold a million); a symlink is removed as a link.
  const st = await fs.lstat(target).catch(() => undefined);
  if (st?.isDirectory()) await removeTree(target);
  else await fs.rm(target, { force: true });
  return true;
}
