// "Open as JSON": an image's inspect JSON in a read-only editor, a virtual document (its own scheme, served by a
// TextDocumentContentProvider, so VS Code offers no save or edit), language json, read again on each refresh.
import * as vscode from 'vscode';
import type { ImageCatalog } from '../backend/catalog';
import { userMessage } from '../backend/backend';
import { guarded, pickRef, type CommandContext, type Target } from './commands/command-context';

export const INSPECT_SCHEME = 'image-layers-inspect';

/** `sample/app:1.0` ↔ `image-layers-inspect:/sample/app:1.0.json`: the tab reads `app:1.0.json`. */
export function inspectUri(ref: string): vscode.Uri {
  return vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${ref}.json` });
}

class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly catalog: () => Promise<ImageCatalog>) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = uri.path.replace(/^\//, '').replace(/\.json$/, '');
    try {
      return JSON.stringify(await (await this.catalog()).inspect(ref), null, 2) + '\n';
    } catch (e) {
      // Still JSON, so the editor's language stays right; the sentence says what went wrong.
      return JSON.stringify({ error: userMessage(e) }, null, 2) + '\n';
    }
  }

  /** The images may have changed: every open document is read again. */
  refresh(): void {
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === INSPECT_SCHEME) this.changed.fire(doc.uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The provider and the command; open documents are read again on every refresh. */
export function registerInspectDocument(ctx: CommandContext, onRefresh: vscode.Event<void>): vscode.Disposable[] {
  const documents = new InspectDocuments(ctx.catalog);
  return [
    documents,
    onRefresh(() => documents.refresh()),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, documents),
    vscode.commands.registerCommand(
      'imageLayers.openInspectJson',
      guarded(async (target: Target) => {
        const ref = await pickRef(target, ctx, 'Choose an image to open its inspect JSON');
        if (!ref) return;
        const doc = await vscode.workspace.openTextDocument(inspectUri(ref));
        await vscode.languages.setTextDocumentLanguage(doc, 'json');
        await vscode.window.showTextDocument(doc, { preview: false });
      }),
    ),
  ];
}
