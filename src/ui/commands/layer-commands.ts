// Commands that look inside layers: the files of a layer (or the merged filesystem as of it) and the space an
// image wastes on files written twice or removed later, as dive shows them.
import * as vscode from 'vscode';
import { LayerUsageNode } from '../tree/layers-tree';
import { LayerNode } from '../tree/images-tree';
import type { LayerFilesPanels } from '../webview/layer-files-panel';
import { guarded, pickRef, type CommandContext, type Target } from './command-context';

export const EXTENSION_ID = 'image-layers.image-layers';

/** What "Show Layer Files" was run on: a layer of an image, or an image (its top layer). */
export function layerTarget(target: unknown): { ref?: string; layer?: number } {
  if (target instanceof LayerNode) return { ref: target.image.ref, layer: target.step.layerIndex };
  if (target instanceof LayerUsageNode) {
    // A layer of the Layers view: the first image that uses it, at the layer's depth.
    return { ref: target.usage.imageNames[0]?.includes(':') ? target.usage.imageNames[0] : target.usage.imageIds[0], layer: target.usage.depth };
  }
  return {};
}

export function registerLayerCommands(ctx: CommandContext, extensionUri?: vscode.Uri, memory?: vscode.Memento): vscode.Disposable[] {
  let panels: Promise<LayerFilesPanels> | undefined;
  // The panels (and tar-stream with them) load on first use, not at activation.
  const getPanels = () =>
    (panels ??= import('../webview/layer-files-panel').then(({ LayerFilesPanels }) => {
      const uri = extensionUri ?? vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri;
      if (!uri) throw new Error('The Image Layers extension could not find its own files.');
      return new LayerFilesPanels(uri, ctx.catalog, undefined, memory);
    }).catch((e: unknown) => {
      panels = undefined;
      throw e;
    }));

  return [
    vscode.commands.registerCommand(
      'imageLayers.showLayerFiles',
      guarded(async (target: Target | LayerNode | LayerUsageNode, layerArg?: number) => {
        const direct = layerTarget(target);
        const ref = direct.ref ?? (await pickRef(target as Target, ctx, 'Choose an image to see the files of its layers'));
        if (!ref) return;
        const layer = direct.layer ?? (typeof layerArg === 'number' ? layerArg : undefined);
        await (await getPanels()).showFiles(ref, layer);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.showWastedSpace',
      guarded(async (target: Target | LayerNode | LayerUsageNode) => {
        const ref = layerTarget(target).ref ?? (await pickRef(target as Target, ctx, 'Choose an image to measure its wasted space'));
        if (!ref) return;
        await (await getPanels()).showWaste(ref);
      }),
    ),
    // Layer Files and Wasted Space tabs open when the window reloads come back.
    ...['imageLayers.layerFiles', 'imageLayers.wastedSpace'].map((viewType) =>
      vscode.window.registerWebviewPanelSerializer(viewType, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => (await getPanels()).restore(viewType, panel),
      }),
    ),
    {
      dispose: () => {
        void panels?.then((p) => p.dispose(), () => undefined);
      },
    },
  ];
}
