// Revealing an image in the Images view so that it ends up selected. A refresh landing mid-reveal (the store's
// watch, an engine event) replaces the nodes the reveal walks, and the reveal then selects nothing: the image is
// looked up again in the new listing and revealed once more.
import * as vscode from 'vscode';
import { ImageNode, type ImagesTreeNode, type ImagesTreeProvider } from './images-tree';

const SETTLE_MS = 1000;
const ATTEMPTS = 3;

function selects(view: vscode.TreeView<ImagesTreeNode>, node: ImageNode): boolean {
  return view.selection.some((n) => n instanceof ImageNode && n.summary.Id === node.summary.Id && n.repoTag === node.repoTag);
}

/** The selection shows `node` now, or within a moment (the workbench tells the extension after the reveal). */
function selected(view: vscode.TreeView<ImagesTreeNode>, node: ImageNode): Promise<boolean> {
  if (selects(view, node)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => (listener.dispose(), resolve(false)), SETTLE_MS);
    const listener = view.onDidChangeSelection(() => {
      if (!selects(view, node)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(true);
    });
  });
}

/** Reveals and selects the image `ref` names; false when the view does not hold it. */
export async function revealImage(view: vscode.TreeView<ImagesTreeNode>, images: ImagesTreeProvider, ref: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const node = await images.findImage(ref);
    if (!node) return false;
    try {
      await view.reveal(node, { select: true, focus: true, expand: true });
      if (await selected(view, node)) return true;
    } catch (e) {
      if (attempt === ATTEMPTS) throw e;
    }
    if (attempt === ATTEMPTS) return true;
  }
}
