// The read-only FileSystemProvider of image files: the Explorer, editors and `vscode.diff` read images through it.
// It answers from the image's layers (backend/image-files.ts); every failure is a FileSystemError with a sentence.
import * as vscode from 'vscode';
import { BackendError, userMessage } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import type { FilesView, ImageFiles } from '../../backend/image-files';
import type { FileNode } from '../../core/filetree';
import { parseImageFileUri } from './image-uri';

const READ_ONLY = 'Image filesystems are read-only: an image cannot change.';

function fileSystemError(e: unknown): vscode.FileSystemError {
  if (e instanceof vscode.FileSystemError) return e;
  const message = userMessage(e);
  if (BackendError.is(e, 'not-found')) return vscode.FileSystemError.FileNotFound(message);
  if (/ is a directory\.$/.test(message)) return vscode.FileSystemError.FileIsADirectory(message);
  if (/climbs above/.test(message)) return vscode.FileSystemError.NoPermissions(message);
  return vscode.FileSystemError.Unavailable(message);
}

function fileType(node: FileNode): vscode.FileType {
  if (node.type === 'dir') return vscode.FileType.Directory;
  if (node.type === 'file' || node.type === 'hardlink') return vscode.FileType.File;
  return vscode.FileType.Unknown;
}

export class ImageFileSystemProvider implements vscode.FileSystemProvider {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  /** Never fires: what an address shows never changes (images are named by ID). */
  readonly onDidChangeFile = this.changed.event;
  private files: { catalog: ImageCatalog; files: Promise<ImageFiles> } | undefined;

  constructor(private readonly catalog: () => Promise<ImageCatalog>) {}

  /** The files of the backend in use (a switch of backend starts afresh). */
  async imageFiles(): Promise<ImageFiles> {
    const catalog = await this.catalog();
    if (this.files?.catalog !== catalog) {
      const files = (async () => {
        const [{ ImageFiles }, { layerContentsCache }] = await Promise.all([import('../../backend/image-files'), import('../../backend/layer-contents')]);
        return new ImageFiles(catalog.backend, layerContentsCache());
      })();
      this.files = { catalog, files };
    }
    return this.files.files;
  }

  private async open(uri: vscode.Uri): Promise<{ files: ImageFiles; view: FilesView; path: string }> {
    const address = parseImageFileUri(uri);
    if (typeof address === 'string') throw vscode.FileSystemError.FileNotFound(address);
    const files = await this.imageFiles();
    return { files, view: await files.view(address), path: address.path };
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    try {
      const { files, view, path } = await this.open(uri);
      const { node, data } = files.resolve(view, path);
      const own = path ? files.resolve(view, path, false).node : node;
      const link = own.type === 'symlink' ? vscode.FileType.SymbolicLink : 0;
      return { type: fileType(node) | link, ctime: 0, mtime: 0, size: data?.size ?? 0, permissions: vscode.FilePermission.Readonly };
    } catch (e) {
      throw fileSystemError(e);
    }
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    try {
      const { files, view, path } = await this.open(uri);
      const { node } = files.resolve(view, path);
      if (node.type !== 'dir') throw vscode.FileSystemError.FileNotADirectory(`/${node.path} is not a directory.`);
      const out: [string, vscode.FileType][] = [];
      for (const child of node.children?.values() ?? []) {
        if (child.change === 'removed') continue;
        if (child.type !== 'symlink') {
          out.push([child.name, fileType(child)]);
          continue;
        }
        let target = vscode.FileType.Unknown;
        try {
          target = fileType(files.resolve(view, child.path).node);
        } catch {
          // a dangling link or a loop: listed, and opening it says why
        }
        out.push([child.name, vscode.FileType.SymbolicLink | target]);
      }
      return out;
    } catch (e) {
      throw fileSystemError(e);
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    try {
      const { files, view, path } = await this.open(uri);
      return await files.readFile(view, path);
    } catch (e) {
      throw fileSystemError(e);
    }
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions(READ_ONLY);
  }
  writeFile(): void {
    throw vscode.FileSystemError.NoPermissions(READ_ONLY);
  }
  delete(): void {
    throw vscode.FileSystemError.NoPermissions(READ_ONLY);
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions(READ_ONLY);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
