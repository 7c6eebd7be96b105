// Commands that choose where images come from.
import * as vscode from 'vscode';
import type { BackendChoice } from '../../backend/select';

const CHOICES: { label: string; description: string; value: BackendChoice }[] = [
  { label: 'Auto', description: 'the engine when one answers, else the built-in store', value: 'auto' },
  { label: 'Docker or Podman engine', description: 'DOCKER_HOST or imageLayers.dockerHost', value: 'docker' },
  { label: 'Built-in store', description: 'no engine needed', value: 'builtin' },
];

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
        CHOICES.map((c) => ({ ...c, picked: c.value === current, detail: c.value === current ? 'current' : undefined })),
        { placeHolder: 'Where should images come from?' },
      );
      if (pick) await setBackend(pick.value);
    }),
    vscode.commands.registerCommand('imageLayers.useBuiltinStore', () => setBackend('builtin')),
  ];
}
