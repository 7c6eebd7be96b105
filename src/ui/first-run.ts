// The first time the extension runs in a VS Code, it opens its own view, so that a new user meets the images
// without first finding the icon. Once only: after that the workbench restores whatever the user chose.
import * as vscode from 'vscode';

const SHOWN = 'imageLayers.viewShownOnFirstRun';

export function showViewOnFirstRun(state: vscode.Memento): void {
  if (state.get<boolean>(SHOWN)) return;
  void state.update(SHOWN, true);
  void vscode.commands.executeCommand('workbench.view.extension.imageLayers');
}
