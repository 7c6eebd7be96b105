// Registers image files: the read-only file system of the `image-layers` scheme and "Open Image Filesystem",
// which adds an image (as of its top layer, or the layer it was run on) to the Explorer as a folder. Cheap at
// activation: the layer reader loads on the first read.
import * as vscode from 'vscode';
import type { ImageCatalog } from '../../backend/catalog';
import { layerTarget } from '../commands/layer-commands';
import { guarded, pickRef, type CommandContext, type Target } from '../commands/command-context';
import type { ImageFileSystemProvider } from './image-fs-provider';
import { IMAGE_FILES_SCHEME, imageFileUri } from './image-uri';

/** Adds the image's filesystem as of `layer` (default: the top) as a workspace folder, or reveals it there. */
export async function openImageFilesystem(catalog: ImageCatalog, ref: string, layer?: number): Promise<vscode.Uri> {
  const inspect = await catalog.inspect(ref);
  const count = inspect.RootFS?.Layers?.length ?? 0;
  const at = layer !== undefined && layer >= 0 && layer < count ? layer : count - 1;
  const uri = imageFileUri({ imageId: inspect.Id, layer: at, mode: 'merged' });
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.some((f) => f.uri.toString() === uri.toString())) {
    const added = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => {
        sub.dispose();
        resolve();
      });
    });
    const name = `${ref} (layer ${at + 1} of ${count})`;
    if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name })) throw new Error(`The Explorer did not take ${name} as a folder.`);
    await added;
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  return uri;
}

export function registerImageFiles(ctx: CommandContext, provider: ImageFileSystemProvider): vscode.Disposable[] {
  return [
    provider,
    vscode.workspace.registerFileSystemProvider(IMAGE_FILES_SCHEME, provider, { isCaseSensitive: true, isReadonly: true }),
    vscode.commands.registerCommand(
      'imageLayers.openImageFilesystem',
      guarded(async (target: Target, layerArg?: number) => {
        const direct = layerTarget(target);
        const ref = direct.ref ?? (await pickRef(target, ctx, 'Choose an image to open its filesystem'));
        if (ref) await openImageFilesystem(await ctx.catalog(), ref, direct.layer ?? (typeof layerArg === 'number' ? layerArg : undefined));
      }),
    ),
  ];
}
