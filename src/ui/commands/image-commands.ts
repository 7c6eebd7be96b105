// Commands on images: inspect, history, reveal, pull, load. Each takes a tree node, a reference string
// (from a hover link) or nothing (from the palette: then it asks which image).
import * as vscode from 'vscode';
import { BackendError } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import { shortId } from '../../core/reference';
import { ImageNode, LayerNode, type ImagesTreeNode } from '../tree/images-tree';
import type { ImagePanels } from '../webview/image-panels';

export interface CommandContext {
  catalog(): Promise<ImageCatalog>;
  panels: ImagePanels;
  refresh(): void;
  reveal(ref: string): Promise<boolean>;
}

type Target = ImagesTreeNode | string | undefined;

/** Shows a BackendError's sentence, never a stack trace. */
export function showError(e: unknown): void {
  const message = BackendError.is(e) ? e.message : String((e as Error)?.message ?? e);
  void vscode.window.showErrorMessage(message);
}

async function refOf(target: Target, ctx: CommandContext): Promise<string | undefined> {
  if (typeof target === 'string') return target;
  if (target instanceof ImageNode) return target.ref;
  if (target instanceof LayerNode) return target.image.ref;
  const images = await (await ctx.catalog()).images();
  const items = images.flatMap((image) =>
    (image.RepoTags.length ? image.RepoTags : [image.Id]).map((ref) => ({
      label: ref,
      description: shortId(image.Id),
      ref,
    })),
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage('There are no images.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Choose an image' }))?.ref;
}

export function registerImageCommands(ctx: CommandContext): vscode.Disposable[] {
  const run = (fn: (target: Target) => Promise<unknown>) => async (target: Target) => {
    try {
      await fn(target);
    } catch (e) {
      showError(e);
    }
  };
  return [
    vscode.commands.registerCommand('imageLayers.refresh', () => ctx.refresh()),
    vscode.commands.registerCommand(
      'imageLayers.inspectImage',
      run(async (target) => {
        const ref = await refOf(target, ctx);
        if (ref) await ctx.panels.show('inspect', ref, await ctx.catalog());
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.showHistory',
      run(async (target) => {
        const ref = await refOf(target, ctx);
        if (ref) await ctx.panels.show('history', ref, await ctx.catalog());
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.revealImage',
      run(async (target) => {
        const ref = await refOf(target, ctx);
        if (ref && !(await ctx.reveal(ref))) void vscode.window.showInformationMessage(`${ref} is not in the Images view.`);
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.pullImage',
      run(async (target) => {
        const ref =
          typeof target === 'string'
            ? target
            : await vscode.window.showInputBox({ prompt: 'Image to pull', placeHolder: 'nginx:1.25' });
        if (!ref) return;
        const catalog = await ctx.catalog();
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Pulling ${ref}`, cancellable: true },
          async (progress, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            await catalog.backend.pullImage(ref, {
              signal: abort.signal,
              onProgress: (p) => progress.report({ message: p.message }),
            });
          },
        );
        ctx.refresh();
      }),
    ),
    vscode.commands.registerCommand(
      'imageLayers.loadArchive',
      run(async (target) => {
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
        const catalog = await ctx.catalog();
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Loading image archive', cancellable: true },
          async (progress, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            return catalog.backend.loadArchive(uri.fsPath, {
              signal: abort.signal,
              onProgress: (p) => progress.report({ message: p.message }),
            });
          },
        );
        ctx.refresh();
        void vscode.window.showInformationMessage(`Loaded ${result.loaded.join(', ') || 'no images'}.`);
      }),
    ),
  ];
}
