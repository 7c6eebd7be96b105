// What command handlers need from the extension, and how they find the images a command is about.
import * as vscode from 'vscode';
import { BackendError, userMessage } from '../../backend/backend';
import { shortId } from '../../core/reference';
import { LayerUserNode } from '../tree/layers-tree';
import { ImageNode, LayerNode, type ImagesTreeNode } from '../tree/images-tree';
import type { FeatureContext } from '../lazy-features';
import type { PanelHost } from '../webview/panel-host';
import { logError, showErrorWithLog } from '../log';

/** The features' context, and the panel host the commands open panels on. */
export interface CommandContext extends FeatureContext {
  panels: PanelHost;
}

export type Target = ImagesTreeNode | LayerUserNode | string | undefined;

/** Shows a BackendError's sentence, never a stack trace; its detail goes to the log, a button away. */
export function showError(e: unknown): void {
  if (BackendError.is(e, 'cancelled')) return;
  logError(e);
  void showErrorWithLog(userMessage(e));
}

/** Wraps a handler so that its failures show as one clear message. */
export function guarded<A extends unknown[]>(fn: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      showError(e);
    }
  };
}

export function nodeRef(target: Target): string | undefined {
  if (typeof target === 'string') return target;
  if (target instanceof ImageNode) return target.ref;
  if (target instanceof LayerNode) return target.image.ref;
  if (target instanceof LayerUserNode) return target.ref;
  return undefined;
}

/** The image a command is about: the node it was run on, or one the user picks (never the image `exceptId`). */
export async function pickRef(target: Target, ctx: CommandContext, placeHolder = 'Choose an image', exceptId?: string): Promise<string | undefined> {
  const direct = nodeRef(target);
  if (direct) return direct;
  const refs = await pickRefs(ctx, placeHolder, false, exceptId);
  return refs?.[0];
}

/** The images a command is about: the selection when the clicked node is in it, else the clicked node, else a pick. */
export async function targetRefs(target: Target, all: ImagesTreeNode[] | undefined, ctx: CommandContext, placeHolder: string): Promise<string[] | undefined> {
  const nodes = all?.length ? all : target && typeof target !== 'string' && ctx.selection().includes(target as ImagesTreeNode) ? [...ctx.selection()] : [target];
  const refs = nodes.map((n) => nodeRef(n as Target)).filter((r): r is string => !!r);
  if (refs.length) return [...new Set(refs)];
  return pickRefs(ctx, placeHolder, true);
}

async function pickRefs(ctx: CommandContext, placeHolder: string, many: boolean, exceptId?: string): Promise<string[] | undefined> {
  const images = (await (await ctx.catalog()).images()).filter((image) => image.Id !== exceptId);
  const items = images.flatMap((image) =>
    (image.RepoTags.length ? image.RepoTags : [image.Id]).map((ref) => ({ label: ref, description: shortId(image.Id), ref })),
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage(exceptId ? 'There is no other image.' : 'There are no images.');
    return undefined;
  }
  if (many) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder, canPickMany: true, ignoreFocusOut: true });
    return picked?.length ? picked.map((p) => p.ref) : undefined;
  }
  // ignoreFocusOut: a panel that finishes loading as the pick opens takes the focus, which would close the pick.
  const picked = await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true });
  return picked ? [picked.ref] : undefined;
}

/** Runs long work with a cancellable notification that shows the backend's progress. */
export function withProgress<T>(title: string, work: (options: { signal: AbortSignal; onProgress: (p: { message: string; fraction?: number }) => void }) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let last = 0;
      return work({
        signal: abort.signal,
        onProgress: (p) => {
          const increment = p.fraction !== undefined ? Math.max(0, p.fraction * 100 - last) : undefined;
          if (p.fraction !== undefined) last = p.fraction * 100;
          progress.report({ message: p.message, increment });
        },
      });
    },
  );
}
