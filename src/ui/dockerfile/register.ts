// Each Dockerfile step's cost on its line: the lenses, the dead-bytes warnings with their quick fix, and
// "Pair Dockerfile with Image…". Registering costs nothing until a Dockerfile is shown; nothing is worked out per
// keystroke beyond a re-pairing of the steps (cached by document version) when the editor asks for lenses.
import * as vscode from 'vscode';
import type { ImageCatalog } from '../../backend/catalog';
import { guarded } from '../commands/command-context';
import { DOCKERFILES_ON_DISK } from '../hover/dockerfile-selector';
import { StepCosts } from './step-costs';
import { LENSES_SETTING, StepLensProvider } from './step-lens';
import { WasteWarnings } from './waste-warnings';

const FIND_BY_HISTORY = 'Find by its history';

export interface DockerfileCosts {
  disposables: vscode.Disposable[];
  /** The lenses: activation registers a stand-in that forwards to them (ui/lazy-features.ts). */
  lenses: vscode.CodeLensProvider;
}

/** `onRefresh`: the images changed, so pairings by tag and by history are looked up again. */
export function registerDockerfileCosts(context: vscode.ExtensionContext, catalog: () => Promise<ImageCatalog>, onRefresh: vscode.Event<void>): DockerfileCosts {
  const costs = new StepCosts(catalog, context.workspaceState);
  const warnings = new WasteWarnings(costs);
  const isDockerfile = (d: vscode.TextDocument) => vscode.languages.match(DOCKERFILES_ON_DISK, d) > 0;
  const enabled = () => vscode.workspace.getConfiguration().get<boolean>(LENSES_SETTING, true);
  const update = (d: vscode.TextDocument) => {
    if (isDockerfile(d)) void warnings.update(d, enabled());
    // Closed files' warnings go here rather than from a close listener.
    warnings.forgetClosed(new Set(vscode.workspace.textDocuments.map((t) => t.uri.toString())));
  };
  const updateAll = () => vscode.workspace.textDocuments.forEach(update);
  updateAll();

  const pair = guarded(async (uri?: vscode.Uri) => {
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document || !isDockerfile(document)) {
      void vscode.window.showInformationMessage('Open a Dockerfile to pair it with an image.');
      return;
    }
    const images = await (await catalog()).images();
    const tags = [...new Set(images.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'))].sort();
    const current = costs.pairedRef(document.uri);
    const picked = await vscode.window.showQuickPick(
      [{ label: FIND_BY_HISTORY, description: 'the image whose history matches the file' }, ...tags.map((t) => ({ label: t, description: t === current ? 'paired' : undefined }))],
      { placeHolder: `The image built from ${vscode.workspace.asRelativePath(document.uri)}` },
    );
    if (!picked) return;
    await costs.pair(document.uri, picked.label === FIND_BY_HISTORY ? undefined : picked.label);
  });

  return {
    disposables: [
      costs,
      warnings,
      vscode.languages.registerCodeActionsProvider(DOCKERFILES_ON_DISK, warnings, { providedCodeActionKinds: WasteWarnings.kinds }),
      vscode.commands.registerCommand('imageLayers.pairDockerfile', pair),
      costs.onDidChange(updateAll),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(LENSES_SETTING)) costs.refresh();
      }),
      onRefresh(() => costs.refresh()),
    ],
    // The editor asks for lenses when a Dockerfile is shown and after edits (debounced by it): the warnings
    // follow then, with no document listeners of their own (those made the suite's untitled-hover test flaky).
    lenses: new StepLensProvider(costs, update),
  };
}
