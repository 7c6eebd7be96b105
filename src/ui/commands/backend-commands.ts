// Commands that choose where images come from.
import * as vscode from 'vscode';
import { backendFactories } from '../../backend/backends';
import { AUTO_CHOICE, type BackendChoice } from '../../backend/select';

/** Auto, then every registered backend. */
function choices(): { label: string; description: string; value: BackendChoice }[] {
  return [AUTO_CHOICE, ...backendFactories()].map((c) => ({ label: c.label, description: c.description, value: c.id }));
}

async function setBackend(value: BackendChoice): Promise<void> {
  const config = vscode.workspace.getConfiguration('imageLayers');
  const inspected = config.inspect('backend');
  // Write where the current value comes from, so that the choice takes effect.
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config.update('backend', value, target);
}

export function registerBackendCommands(): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('imageLayers.switchBackend', async () => {
      const current = vscode.workspace.getConfiguration('imageLayers').get<BackendChoice>('backend', 'auto');
      const pick = await vscode.window.showQuickPick(
        choices().map((c) => ({ ...c, picked: c.value === current, detail: c.value === current ? 'current' : undefined })),
        { placeHolder: 'Where should images come from?' },
      );
      if (pick) await setBackend(pick.value);
    }),
    vscode.commands.registerCommand('imageLayers.useBuiltinStore', () => setBackend('builtin')),
  ];
}
