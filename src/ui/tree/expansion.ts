// The Images view remembers which rows the user opened, so that a row a filter hid, or a refresh made again,
// comes back open: the workbench forgets the state of a row that left the tree.
import * as vscode from 'vscode';
import type { ImagesTreeNode, ImagesTreeProvider } from './images-tree';

export function rememberExpansion(view: vscode.TreeView<ImagesTreeNode>, provider: ImagesTreeProvider): vscode.Disposable[] {
  return [
    view.onDidExpandElement((e) => provider.setExpanded(e.element, true)),
    view.onDidCollapseElement((e) => provider.setExpanded(e.element, false)),
  ];
}
