// Show Layer Map: the images selected in the Images view (several, or a repository's node for all its tags), or
// those picked from a list, drawn as columns of their layers on the one Layer Map panel.
import * as vscode from 'vscode';
import { splitRepoTag } from '../../core/reference';
import { GroupNode, type ImagesTreeNode } from '../tree/images-tree';
import { guarded, targetRefs, type CommandContext, type Target } from './command-context';

/** What the map is asked to show: names, and repositories taken whole (a repository's group node). */
export function mapPick(nodes: readonly unknown[]): { refs: string[]; repos: string[]; rest: unknown[] } {
  const refs: string[] = [];
  const repos: string[] = [];
  const rest: unknown[] = [];
  for (const node of nodes) {
    if (!(node instanceof GroupNode)) {
      rest.push(node);
      continue;
    }
    // A group by repository stands for the repository (its tags read again on every refresh); any other group
    // (a registry, the untagged) for the images it holds now.
    const byRepository = node.images.length > 0 && node.images.every((i) => i.repoTag && splitRepoTag(i.repoTag).repository === node.name);
    if (byRepository) repos.push(node.name);
    else refs.push(...node.images.map((i) => i.ref));
  }
  return { refs, repos, rest };
}

export function registerLayerMapCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'imageLayers.showLayerMap',
      guarded(async (target?: Target | GroupNode, selected?: readonly ImagesTreeNode[]) => {
        // Run on a node of a selection: the whole selection; on a node outside it: that node.
        const inSelection = target !== undefined && typeof target !== 'string' && ctx.selection().includes(target as ImagesTreeNode);
        const nodes = selected?.length ? selected : inSelection ? ctx.selection() : target !== undefined ? [target] : [];
        const picked = mapPick(nodes);
        const named = picked.rest.length
          ? ((await targetRefs(picked.rest[0] as Target, picked.rest as ImagesTreeNode[], ctx, 'Choose the images to draw')) ?? [])
          : [];
        let refs = [...picked.refs, ...named];
        if (!refs.length && !picked.repos.length) {
          refs = (await targetRefs(undefined, undefined, ctx, 'Choose the images to draw (their shared layers are drawn once)')) ?? [];
          if (!refs.length) return;
        }
        await ctx.panels.show({ kind: 'layerMap', refs: [...new Set(refs)], repos: picked.repos });
      }),
    ),
  ];
}
