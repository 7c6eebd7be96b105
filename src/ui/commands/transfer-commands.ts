// Commands that move images in and out: search and pull, push, load an archive, save to an archive.
import { mkdtemp, rm } from 'fs/promises';
import { homedir, tmpdir } from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { guarded, pickRef, targetRefs, withProgress, type CommandContext, type Target } from './command-context';
import type { ImagesTreeNode } from '../tree/images-tree';
import { requireCapability } from '../../backend/capabilities';
import { writeSampleArchive } from '../../backend/store/samples';
import { withLayerCounts } from '../../core/progress-stream';
import { orderTags } from '../../core/reference';

export function registerTransferCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'imageLayers.searchImages',
      guarded(async (term?: string) => {
        const query =
          typeof term === 'string'
            ? term
            : await vscode.window.showInputBox({
                prompt: 'Search Docker Hub, or a registry of your own by starting with its host',
                placeHolder: 'nginx    or    registry.example:5000/team',
                ignoreFocusOut: true,
              });
        if (!query?.trim()) return;
        const transfer = requireCapability((await ctx.catalog()).backend, 'transfer');
        const results = await withProgress(`Searching for ${query}`, ({ signal }) => transfer.searchImages(query, { limit: 50, signal }));
        if (!results.length) {
          void vscode.window.showInformationMessage(`No images match "${query}".`);
          return;
        }
        const picked = await vscode.window.showQuickPick(
          results.map((r) => ({
            label: noIcons(r.name),
            description: [r.is_official ? 'official' : '', r.star_count ? `\u2605 ${r.star_count}` : ''].filter(Boolean).join(' \u00b7 '),
            detail: r.description ? noIcons(r.description) : undefined,
            name: r.name,
          })),
          // Steps of one flow: a panel taking the focus in between must not close them.
          { placeHolder: `${results.length} found for "${query}": pick one to pull`, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
        );
        if (!picked) return;
        const tags = orderTags(await withProgress(`Reading the tags of ${picked.name}`, ({ signal }) => ctx.registry.tags(picked.name, signal)));
        if (!tags.length) {
          void vscode.window.showInformationMessage(`${picked.name} has no tags to pull.`);
          return;
        }
        const tag = await vscode.window.showQuickPick(tags, { placeHolder: `Tag of ${picked.name} to pull`, ignoreFocusOut: true });
        if (!tag) return;
        await vscode.commands.executeCommand('imageLayers.pullImage', `${picked.name}:${tag}`);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.pullImage',
      guarded(async (target?: string) => {
        const ref =
          typeof target === 'string' ? target : await vscode.window.showInputBox({ prompt: 'Image to pull', placeHolder: 'nginx:1.25' });
        if (!ref) return;
        const transfer = requireCapability((await ctx.catalog()).backend, 'transfer');
        await withProgress(`Pulling ${ref}`, (o) => transfer.pullImage(ref, { ...o, onProgress: withLayerCounts(o.onProgress) }));
        ctx.refresh();
        vscode.window.setStatusBarMessage(`Pulled ${ref}`, 5000);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.pushImage',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx, 'Image to push');
        if (!ref) return;
        const transfer = requireCapability((await ctx.catalog()).backend, 'transfer');
        await withProgress(`Pushing ${ref}`, (o) => transfer.pushImage(ref, { ...o, onProgress: withLayerCounts(o.onProgress) }));
        ctx.refresh();
        vscode.window.setStatusBarMessage(`Pushed ${ref}`, 5000);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.loadArchive',
      guarded(async (target?: vscode.Uri) => {
        const uri =
          target instanceof vscode.Uri
            ? target
            : (
                await vscode.window.showOpenDialog({
                  canSelectMany: false,
                  openLabel: 'Load',
                  filters: { 'Image archives': ['tar', 'gz', 'tgz'], 'All files': ['*'] },
                })
              )?.[0];
        if (!uri) return;
        const archive = requireCapability((await ctx.catalog()).backend, 'archive');
        const result = await withProgress('Loading image archive', (o) => archive.loadArchive(uri.fsPath, o));
        ctx.refresh();
        void vscode.window.showInformationMessage(`Loaded ${result.loaded.join(', ') || 'no images'}.`);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.loadSamples',
      guarded(async () => {
        // The samples go in as an archive, so they load the same way into the store or an engine.
        const dir = await mkdtemp(path.join(tmpdir(), 'image-layers-samples-'));
        try {
          const file = path.join(dir, 'samples.tar');
          await writeSampleArchive(file);
          const archive = requireCapability((await ctx.catalog()).backend, 'archive');
          const result = await withProgress('Loading the sample images', (o) => archive.loadArchive(file, o));
          ctx.refresh();
          vscode.window.setStatusBarMessage(`Loaded ${result.loaded.join(', ')}`, 5000);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.saveImage',
      guarded(async (target: Target, all?: ImagesTreeNode[]) => {
        const refs = await targetRefs(target, all, ctx, 'Images to save');
        if (!refs) return;
        const name = refs.length === 1 ? refs[0].replace(/[/:@]/g, '_') : 'images';
        const uri = await vscode.window.showSaveDialog({
          saveLabel: 'Save',
          defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir()), `${name}.tar`),
          filters: { 'Image archives': ['tar'] },
        });
        if (!uri) return;
        const archive = requireCapability((await ctx.catalog()).backend, 'archive');
        await withProgress(`Saving ${refs.join(', ')}`, (o) => archive.saveImages(refs, uri.fsPath, o));
        void vscode.window.showInformationMessage(`Saved ${refs.join(', ')} to ${uri.fsPath}.`);
      }),
    ),
  ];
}

/** Quick pick texts render `$(name)` as an icon: a registry's description is shown as it is written. */
function noIcons(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}
