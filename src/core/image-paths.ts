// Paths inside an image's filesystem, resolved as the kernel would inside a chroot of it: symlinks followed
// (absolute targets from the image's root, `..` never above it), at most 40 links on the way (Linux's ELOOP
// bound), so a loop ends in a sentence instead of a hang. Nothing here can name a path outside the tree.
import { cleanPath, type FileNode, type FileTree, type LayerEntry } from './filetree';

/** Linux gives up (ELOOP) after 40 symlinks in one lookup. */
export const MAX_SYMLINKS = 40;

export type PathProblem = 'not-found' | 'not-a-directory' | 'loop' | 'climbs-out';

export type Resolved = { node: FileNode } | { problem: PathProblem; message: string };

interface Part {
  name: string;
  /** Written by the caller (not found in a link's target): a `..` here above the root is refused, not clamped. */
  asked: boolean;
}

function parts(path: string, asked: boolean): Part[] {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .map((name) => ({ name, asked }));
}

/**
 * The node at `path` in `tree`, symlinks on the way followed (and the last one too when `followLast`). A `..`
 * the caller wrote that would climb above the root is an error; one from a link's target stays at the root.
 */
export function resolvePath(tree: FileTree, path: string, followLast = true): Resolved {
  const shown = '/' + path.split('/').filter(Boolean).join('/');
  const stack: FileNode[] = [tree.root];
  const queue = parts(path, true);
  let links = 0;
  while (queue.length) {
    const part = queue.shift() as Part;
    if (part.name === '..') {
      if (stack.length > 1) stack.pop();
      else if (part.asked) return { problem: 'climbs-out', message: `${shown} climbs above the image's root; paths stay inside the image.` };
      continue;
    }
    const dir = stack[stack.length - 1];
    if (dir.type !== 'dir') return { problem: 'not-a-directory', message: `${shown}: /${dir.path} is not a directory.` };
    const child = dir.children?.get(part.name);
    if (!child || child.change === 'removed') return { problem: 'not-found', message: `${shown} is not in the image at this layer.` };
    if (child.type === 'symlink' && (queue.length > 0 || followLast)) {
      if (++links > MAX_SYMLINKS) return { problem: 'loop', message: `${shown}: too many levels of symbolic links (a loop?); gave up after ${MAX_SYMLINKS}.` };
      const target = child.linkname ?? '';
      if (target.startsWith('/')) stack.length = 1;
      queue.unshift(...parts(target, false));
      continue;
    }
    stack.push(child);
  }
  return { node: stack[stack.length - 1] };
}

/** The file entry a hard link names, in the layer that holds the link (a tar's hard link points to an earlier entry). */
export function hardLinkTarget(entries: readonly LayerEntry[], linkname: string): LayerEntry | undefined {
  let name = cleanPath(linkname);
  for (let hops = 0; hops < MAX_SYMLINKS; hops++) {
    const entry = entries.find((e) => e.path === name);
    if (entry?.type !== 'hardlink') return entry?.type === 'file' ? entry : undefined;
    name = cleanPath(entry.linkname ?? '');
  }
  return undefined;
}
