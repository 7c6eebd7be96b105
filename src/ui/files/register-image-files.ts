// "Open Image Filesystem": adds an image (as of its top layer, or the layer it was run on) to the Explorer as a
// folder of the `image-layers` file system.
import * as vscode from 'vscode';
import type { ImageCatalog } from '../../backend/catalog';
import { layerTarget } from '../commands/layer-commands';
import { guarded, pickRef, type CommandContext, type Target } from '../commands/command-context';
import { imageFileUri } from './image-uri';

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

/** "Open Image Filesystem" (the file system itself is registered at activation, in extension.ts). */
export function registerImageFiles(ctx: CommandContext): vscode.Disposable[] {
  return [
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
