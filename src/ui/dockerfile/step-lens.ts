// A CodeLens on each Dockerfile instruction that made a layer: its size, its share of the image and its dead bytes
// (written by it and hidden later, or hidden by it), with a link to the layer's files; a step the image does not
// match says it changed since the build; config-only steps say nothing. A header lens on FROM names the image.
import * as vscode from 'vscode';
import { formatBytes } from '../../core/format';
import type { LayerWaste } from '../../core/layer-waste';
import { stepOfLayer, type StepCosts, type StepCostsOfFile } from './step-costs';

export const LENSES_SETTING = 'imageLayers.dockerfileLenses';

const lensesOn = () => vscode.workspace.getConfiguration().get<boolean>(LENSES_SETTING, true);

/** `42%`; `0.4%` below one per cent and `<0.1%` below that (a share that rounds to 0% still cost something). */
function share(size: number, total: number): string {
  if (total <= 0) return '';
  const pct = (size / total) * 100;
  const text = pct >= 1 || pct === 0 ? String(Math.round(pct)) : pct >= 0.1 ? pct.toFixed(1) : '<0.1';
  return `${text}% of image`;
}

/** What a layer wasted: the bytes it wrote that later layers hid, and the bytes it hid of earlier layers. */
function wasteText(file: StepCostsOfFile, waste: readonly LayerWaste[], layer: number): string[] {
  const lineOf = stepOfLayer(file.costs);
  const line = (l: number) => {
    const step = lineOf.get(l);
    return step === undefined ? `layer ${l + 1}` : `line ${file.costs[step].step.range.start.line + 1}`;
  };
  const parts: string[] = [];
  const own = waste[layer];
  if (own && own.bytes > 0) {
    const by = [...new Set(own.paths.map((p) => p.hiddenBy))].map(line).join(', ');
    parts.push(`${formatBytes(own.bytes)} dead (hidden by ${by})`);
  }
  let hid = 0;
  const of = new Set<number>();
  waste.forEach((w, l) => {
    for (const p of w.paths) {
      if (p.hiddenBy !== layer) continue;
      hid += p.size;
      of.add(l);
    }
  });
  if (hid > 0) parts.push(`hides ${formatBytes(hid)} of ${[...of].map(line).join(', ')}`);
  return parts;
}

export class StepLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly costs: StepCosts,
    /** Told of every document lenses are asked for (the warnings follow it). */
    private readonly shown: (document: vscode.TextDocument) => void = () => undefined,
  ) {
    this.onDidChangeCodeLenses = costs.onDidChange;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    this.shown(document);
    if (!lensesOn()) return [];
    const file = await this.costs.of(document);
    if (!file) return [];
    const lenses: vscode.CodeLens[] = [];
    const at = (line: number) => new vscode.Range(line, 0, line, 0);
    if (file.stage.fromLine !== undefined) {
      const how = file.paired ? 'paired' : 'found by its history';
      const reading = file.waste || file.wasteError ? (file.wasteError ? ` · layers not read: ${file.wasteError}` : '') : ' · reading layers…';
      lenses.push(
        new vscode.CodeLens(at(file.stage.fromLine), { title: `$(layers) ${file.ref} (${how})${reading}`, command: 'imageLayers.revealImage', arguments: [file.ref] }),
        new vscode.CodeLens(at(file.stage.fromLine), { title: 'Pair with another image…', command: 'imageLayers.pairDockerfile', arguments: [document.uri] }),
      );
    }
    for (const cost of file.costs) {
      const line = at(cost.step.range.start.line);
      if (cost.changed) {
        lenses.push(new vscode.CodeLens(line, { title: `$(warning) changed since the build of ${file.ref}`, command: '' }));
        continue;
      }
      const layer = cost.layer;
      if (!layer) continue;
      const parts = [`$(database) ${formatBytes(layer.size)}`, share(layer.size, file.imageSize)];
      if (file.waste) parts.push(...wasteText(file, file.waste, layer.layerIndex));
      if (layer.uncertain) parts.push('step uncertain');
      lenses.push(
        new vscode.CodeLens(line, { title: parts.filter(Boolean).join(' · '), command: '' }),
        new vscode.CodeLens(line, { title: 'Files', command: 'imageLayers.showLayerFiles', arguments: [file.ref, layer.layerIndex] }),
      );
    }
    return lenses;
  }
}
