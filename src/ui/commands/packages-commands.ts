// "Show Packages": the Packages panel of an image, from an image row, a layer row of either view, or the palette.
import * as vscode from 'vscode';
import type { LayerUsageNode } from '../tree/layers-tree';
import type { LayerNode } from '../tree/images-tree';
import { guarded, pickRef, type CommandContext, type Target } from './command-context';
import { layerTarget } from './layer-commands';

export function registerPackagesCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'imageLayers.showPackages',
      guarded(async (target: Target | LayerNode | LayerUsageNode) => {
        const ref = layerTarget(target).ref ?? (await pickRef(target as Target, ctx, 'Choose an image to see the packages its layers installed'));
        if (!ref) return;
        await ctx.panels.show({ kind: 'packages', ref });
      }),
    ),
  ];
}
