// A warning on each Dockerfile step whose files a later step removed or wrote over (the bytes stay in the earlier
// layer, pulled and stored for nothing), naming the paths, the bytes and the later step; and a quick fix that moves
// a plain `rm` into the step that wrote the files. The fix is a WorkspaceEdit whose edits need confirmation, so
// VS Code shows it in the refactor preview (a diff with Apply and Discard) before anything changes.
import * as vscode from 'vscode';
import { formatBytes } from '../../core/format';
import type { HiddenPath } from '../../core/layer-waste';
import { moveRemoval } from '../../core/removal-fix';
import { stepOfLayer, type StepCosts, type StepCostsOfFile } from './step-costs';

const SOURCE = 'Image Layers';
const SHOWN_PATHS = 3;

interface Warning {
  diagnostic: vscode.Diagnostic;
  writer: number;
  remover: number;
  paths: HiddenPath[];
}

const toRange = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) =>
  new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

/** The warnings of one file: one per (step that wrote, later step that hid) pair of the file's steps. */
export function wasteWarnings(file: StepCostsOfFile): Warning[] {
  if (!file.waste) return [];
  const stepOf = stepOfLayer(file.costs);
  const out: Warning[] = [];
  file.costs.forEach((cost, writer) => {
    const own = cost.layer && file.waste?.[cost.layer.layerIndex];
    if (!own || own.bytes === 0) return;
    const byHider = new Map<number, HiddenPath[]>();
    for (const p of own.paths) {
      const remover = stepOf.get(p.hiddenBy);
      if (remover !== undefined) byHider.set(remover, [...(byHider.get(remover) ?? []), p]);
    }
    for (const [remover, paths] of byHider) {
      const bytes = paths.reduce((n, p) => n + p.size, 0);
      const how = paths.every((p) => p.how === 'removed') ? 'removed' : paths.every((p) => p.how === 'overwritten') ? 'written over' : 'removed or written over';
      const named = paths.slice(0, SHOWN_PATHS).map((p) => `/${p.path} (${formatBytes(p.size)})`).join(', ');
      const more = paths.length > SHOWN_PATHS ? ` and ${paths.length - SHOWN_PATHS} more` : '';
      const removerStep = file.costs[remover].step;
      const message = `${formatBytes(bytes)} written here ${paths.length === 1 ? 'is' : 'are'} ${how} by line ${removerStep.range.start.line + 1} (${removerStep.keyword}), and stays in this step's layer: ${named}${more}.`;
      const line = cost.step.range.start.line;
      const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, cost.step.range.start.line === cost.step.range.end.line ? cost.step.range.end.character : Number.MAX_SAFE_INTEGER), message, vscode.DiagnosticSeverity.Warning);
      diagnostic.source = SOURCE;
      diagnostic.code = 'dead-bytes';
      out.push({ diagnostic, writer, remover, paths });
    }
  });
  return out;
}

export class WasteWarnings implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('imageLayers.dockerfile');
  private readonly shown = new Map<string, { version: number; file: StepCostsOfFile; warnings: Warning[] }>();

  constructor(private readonly costs: StepCosts) {}

  dispose(): void {
    this.collection.dispose();
  }

  /** Works out the document's warnings again (from the cache, unless it or the images changed). */
  async update(document: vscode.TextDocument, enabled: boolean): Promise<void> {
    const key = document.uri.toString();
    const version = document.version;
    const file = enabled ? await this.costs.of(document) : undefined;
    if (document.version !== version || document.isClosed) return;
    const warnings = file ? wasteWarnings(file) : [];
    if (file) this.shown.set(key, { version, file, warnings });
    else this.shown.delete(key);
    this.collection.set(document.uri, warnings.map((w) => w.diagnostic));
  }

  /** Drops the warnings of documents no longer open. */
  forgetClosed(open: ReadonlySet<string>): void {
    for (const key of [...this.shown.keys()]) {
      if (open.has(key)) continue;
      this.shown.delete(key);
      this.collection.delete(vscode.Uri.parse(key));
    }
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const shown = this.shown.get(document.uri.toString());
    // Ranges of another version would edit the wrong lines.
    if (!shown || shown.version !== document.version) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE) continue;
      const warning = shown.warnings.find((w) => w.diagnostic.message === d.message && w.diagnostic.range.isEqual(d.range));
      if (!warning) continue;
      const steps = shown.file.costs.map((c) => c.step);
      const edits = moveRemoval(steps[warning.writer], steps[warning.remover], warning.paths.map((p) => p.path), steps.slice(warning.writer + 1, warning.remover));
      if (!edits) continue;
      const action = new vscode.CodeAction(`Move the rm of line ${steps[warning.remover].range.start.line + 1} into this step`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      // Applied like any quick fix (Ctrl+Enter in the menu previews it first): an edit marked as needing
      // confirmation would open the preview with its lines unticked, and Apply there would change nothing.
      const metadata: vscode.WorkspaceEditEntryMetadata = { needsConfirmation: false, label: 'Remove the files in the step that wrote them' };
      for (const e of edits) action.edit.replace(document.uri, toRange(e.range), e.newText, metadata);
      action.diagnostics = [d];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
