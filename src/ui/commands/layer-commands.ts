// Commands that look inside layers: the files of a layer (or the merged filesystem as of it) and the space an
// image wastes on files written twice or removed later, as dive shows them.
import * as vscode from 'vscode';
import { LayerUsageNode } from '../tree/layers-tree';
import { LayerNode } from '../tree/images-tree';
import { guarded, pickRef, type CommandContext, type Target } from './command-context';

/** What "Show Layer Files" was run on: a layer of an image, or an image (its top layer). */
export function layerTarget(target: unknown): { ref?: string; layer?: number } {
  if (target instanceof LayerNode) return { ref: target.image.ref, layer: target.step.layerIndex };
  if (target instanceof LayerUsageNode) {
    // A layer of the Layers view: the first image that uses it, at the layer's depth.
    return { ref: target.usage.imageNames[0]?.includes(':') ? target.usage.imageNames[0] : target.usage.imageIds[0], layer: target.usage.depth };
  }
  return {};
}

export function registerLayerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'imageLayers.showLayerFiles',
      guarded(async (target: Target | LayerNode | LayerUsageNode, layerArg?: number) => {
        const direct = layerTarget(target);
        const ref = direct.ref ?? (await pickRef(target as Target, ctx, 'Choose an image to see the files of its layers'));
        if (!ref) return;
        const layer = direct.layer ?? (typeof layerArg === 'number' ? layerArg : undefined);
        await ctx.panels.show({ kind: 'layerFiles', ref, layer });
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.showWastedSpace',
      guarded(async (target: Target | LayerNode | LayerUsageNode) => {
        const ref = layerTarget(target).ref ?? (await pickRef(target as Target, ctx, 'Choose an image to measure its wasted space'));
        if (!ref) return;
        await ctx.panels.show({ kind: 'wastedSpace', ref });
      }),
    ),
  ];
}
