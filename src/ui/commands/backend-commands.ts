// Commands that choose where images come from: the backend, and which engine (a docker context, a socket found
// on this machine, or an address typed and checked).
import * as vscode from 'vscode';
import { backendFactories } from '../../backend/backends';
import { dockerContexts, engineSockets } from '../../backend/docker/engine-discovery';
import { AUTO_CHOICE, type BackendChoice } from '../../backend/select';
import { checkEngineAddress } from '../../core/engine-address';

/** What a pick writes: the backend, and for an engine its address or context (the other one cleared). */
interface EngineChoice {
  backend: BackendChoice;
  dockerHost?: string;
  dockerContext?: string;
}

type Pick = vscode.QuickPickItem & { choice?: EngineChoice; enterAddress?: true };

function picks(current: EngineChoice): Pick[] {
  const isCurrent = (c: EngineChoice) =>
    c.backend === current.backend &&
    (c.dockerHost === undefined || c.dockerHost === current.dockerHost) &&
    (c.dockerContext === undefined || c.dockerContext === current.dockerContext);
  const item = (label: string, description: string, choice: EngineChoice): Pick => ({
    label,
    description,
    choice,
    detail: isCurrent(choice) ? 'current' : undefined,
  });
  const out: Pick[] = [AUTO_CHOICE, ...backendFactories()].map((c) =>
    item(c.id === 'builtin' ? `$(database) ${c.label}` : c.id === 'auto' ? `$(sync) ${c.label}` : `$(server-environment) ${c.label}`, c.description, {
      backend: c.id,
    }),
  );
  const contexts = dockerContexts();
  const sockets = engineSockets();
  if (contexts.length || sockets.length) out.push({ label: 'Engines found on this machine', kind: vscode.QuickPickItemKind.Separator });
  for (const c of contexts) out.push(item(`$(plug) ${c.name}`, `docker context · ${c.host}`, { backend: 'docker', dockerHost: '', dockerContext: c.name }));
  for (const s of sockets) out.push(item(`$(plug) ${s.address}`, s.owner, { backend: 'docker', dockerHost: s.address, dockerContext: '' }));
  out.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  out.push({ label: '$(edit) Enter an address…', description: 'unix://, tcp:// or ssh://', enterAddress: true });
  return out;
}

async function askAddress(current: string): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: 'Engine address',
    prompt: 'A Docker or Podman engine, as DOCKER_HOST names one',
    placeHolder: 'unix:///run/podman/podman.sock, tcp://host:2376, ssh://user@host',
    value: current,
    validateInput: (text) => checkEngineAddress(text),
  });
  return typed?.trim() || undefined;
}

/**
 * Writes `value` to the user settings. A workspace that sets the key itself would still override it: its
 * settings change only when the user agrees (a cloned repository's settings are not the user's).
 */
async function write(key: string, value: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('imageLayers');
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  const inspected = config.inspect<string>(key);
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : undefined;
  if (target === undefined) return;
  const theirs = target === vscode.ConfigurationTarget.WorkspaceFolder ? inspected?.workspaceFolderValue : inspected?.workspaceValue;
  if (theirs === value) return;
  const change = 'Change Workspace Setting';
  const answer = await vscode.window.showWarningMessage(
    `This workspace sets imageLayers.${key} to "${theirs}", which overrides your choice. Change the workspace's setting too?`,
    { modal: true },
    change,
  );
  if (answer === change) await config.update(key, value, target);
}

async function apply(choice: EngineChoice): Promise<void> {
  // Address and context first: the backend's reopening then sees them.
  if (choice.dockerHost !== undefined) await write('dockerHost', choice.dockerHost);
  if (choice.dockerContext !== undefined) await write('dockerContext', choice.dockerContext);
  await write('backend', choice.backend);
}

function currentChoice(): EngineChoice {
  const config = vscode.workspace.getConfiguration('imageLayers');
  return {
    backend: config.get<BackendChoice>('backend', 'auto'),
    dockerHost: config.get<string>('dockerHost', ''),
    dockerContext: config.get<string>('dockerContext', ''),
  };
}

/** Asks where images come from and which engine, and writes what the user picks. */
export async function chooseEngine(): Promise<void> {
  const current = currentChoice();
  const pick = await vscode.window.showQuickPick(picks(current), {
    title: 'Where should images come from?',
    placeHolder: 'An engine found here, the built-in store, or an address',
    matchOnDescription: true,
  });
  if (!pick) return;
  if (pick.enterAddress) {
    const address = await askAddress(current.dockerHost ?? '');
    if (address) await apply({ backend: 'docker', dockerHost: address, dockerContext: '' });
    return;
  }
  if (pick.choice) await apply(pick.choice);
}

export function registerBackendCommands(): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('imageLayers.switchBackend', chooseEngine),
    vscode.commands.registerCommand('imageLayers.useBuiltinStore', () => write('backend', 'builtin')),
  ];
}
