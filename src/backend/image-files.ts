// An image's files as a filesystem: the merged tree as of any layer, or one layer's own changes, with every
// path resolved inside the image (core/image-paths.ts) and every file read from its offset in its layer's tar
// (entry-data.ts). Images are named by ID, so a retag never changes what a name shows.
import { layerTree, mergeLayers, type FileNode, type FileTree } from '../core/filetree';
import { hardLinkTarget, resolvePath } from '../core/image-paths';
import { BackendError, type ImageSource } from './backend';
import { entryBytes, saveEntry, type EntryLocation } from './entry-data';
import { readImageLayers, type LayerContents, type LayerContentsCache } from './layer-contents';
import { limits } from './limits';

export type ViewMode = 'merged' | 'changes';

/** What one address shows: an image (by ID), a layer of it (0 at the bottom), merged or its own changes. */
export interface ViewKey {
  imageId: string;
  layer: number;
  mode: ViewMode;
}

export interface FilesView extends ViewKey {
  diffIds: string[];
  /** What is listed: the merged tree, or the layer's own changes. */
  tree: FileTree;
  /** The merged tree as of the layer: where symlinks resolve, in either mode. */
  merged: FileTree;
  contents: LayerContents[];
}

/** A path's node, after links, with where its bytes are. */
export interface ResolvedFile {
  node: FileNode;
  /** For a file: its data's place, the size it has (a hard link's target's). */
  data?: EntryLocation;
}

const VIEWS_KEPT = 6;

export class ImageFiles {
  private readonly views = new Map<string, Promise<FilesView>>();

  constructor(
    private readonly backend: ImageSource,
    private readonly cache: LayerContentsCache,
  ) {}

  /** The view at `key`; the last few are kept (trees of big images cost memory). */
  view(key: ViewKey, signal?: AbortSignal): Promise<FilesView> {
    const name = `${key.imageId}/${key.layer}/${key.mode}`;
    let p = this.views.get(name);
    if (p) {
      this.views.delete(name);
      this.views.set(name, p);
      return p;
    }
    p = this.read(key, signal);
    this.views.set(name, p);
    p.catch(() => this.views.get(name) === p && this.views.delete(name));
    for (const old of this.views.keys()) {
      if (this.views.size <= VIEWS_KEPT) break;
      this.views.delete(old);
    }
    return p;
  }

  private async read(key: ViewKey, signal?: AbortSignal): Promise<FilesView> {
    const inspect = await this.backend.inspectImage(key.imageId);
    const diffIds = inspect.RootFS?.Layers ?? [];
    if (!Number.isInteger(key.layer) || key.layer < 0 || key.layer >= diffIds.length) {
      throw new BackendError('not-found', `The image ${key.imageId.slice(0, 19)} has ${diffIds.length} layers; there is no layer ${key.layer + 1}.`);
    }
    const contents = await readImageLayers(this.backend, key.imageId, diffIds.slice(0, key.layer + 1), this.cache, { signal, keepTar: true });
    const entries = contents.map((c) => c.entries);
    const merged = mergeLayers(entries);
    const tree = key.mode === 'merged' || key.layer === 0 ? merged : layerTree(entries[key.layer], mergeLayers(entries.slice(0, key.layer)), key.layer);
    return { ...key, diffIds, tree, merged, contents };
  }

  /**
   * The node at `path`: in a merged view, every symlink on the way followed (the last when `follow`); in a
   * layer's changes, the layer's own entry, a symlink then followed through the merged tree.
   */
  resolve(view: FilesView, path: string, follow = true): ResolvedFile {
    let found = resolvePath(view.tree, path, view.mode === 'merged' && follow);
    if ('node' in found && found.node.type === 'symlink' && follow) found = resolvePath(view.merged, found.node.path, true);
    if (!('node' in found)) throw new BackendError(found.problem === 'not-found' ? 'not-found' : 'invalid-input', found.message);
    const node = found.node;
    const layer = node.layer;
    if (layer === undefined) return { node };
    let entry: { offset?: number; size: number } | undefined = node.type === 'file' ? node : undefined;
    if (node.type === 'hardlink') {
      entry = hardLinkTarget(view.contents[layer].entries, node.linkname ?? '');
      if (!entry) throw new BackendError('corrupt', `/${node.path} is a hard link to ${node.linkname ?? ''}, which its layer does not hold.`);
    }
    if (!entry) return { node };
    const location: EntryLocation = { ref: view.imageId, diffId: view.diffIds[layer], contents: view.contents[layer], offset: entry.offset ?? 0, size: entry.size };
    return { node, data: location };
  }

  /** A file's bytes, whole (an editor needs them so), refused above limits.openFileMaxBytes. */
  async readFile(view: FilesView, path: string, signal?: AbortSignal): Promise<Buffer> {
    const { node, data } = this.resolve(view, path);
    if (node.type === 'dir') throw new BackendError('invalid-input', `/${node.path} is a directory.`);
    if (!data) throw new BackendError('invalid-input', `/${node.path} is not a regular file (${node.type}).`);
    if (data.offset === 0 && data.size > 0) throw new BackendError('corrupt', `/${node.path}: where its data lies in the layer was not recorded.`);
    this.cache.spool.touch(data.contents.tarFile ?? '');
    return entryBytes(this.backend, data, limits.openFileMaxBytes, signal);
  }

  /** Writes a file's bytes to `target` on this machine, streamed (any size). */
  async saveFile(view: FilesView, path: string, target: string, signal?: AbortSignal): Promise<void> {
    const { node, data } = this.resolve(view, path);
    if (!data) throw new BackendError('invalid-input', `/${node.path} is not a regular file (${node.type}).`);
    await saveEntry(this.backend, data, target, false, signal);
  }
}
