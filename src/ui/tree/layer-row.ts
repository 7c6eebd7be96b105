// A layer's row under an image in the Images view: size and share of the image as the label, a pie icon filled
// by that share, "shared by N" and wasted bytes next; the full step, the diff ID and what was wasted in the tooltip.
import * as vscode from 'vscode';
import { appendCode, appendPlain } from '../markdown';
import { formatBytes } from '../../core/format';
import { formatShare, layerGlance, oneLine, shareOfImage } from '../../core/layer-glance';
import type { LayerWaste } from '../../core/layer-waste';
import type { LayerStep } from '../../core/layers';
import type { ShareIcons } from './share-icons';

export interface LayerRowFacts {
  step: LayerStep;
  /** The image's size (the engine's or the store's), the whole a share is of. */
  imageBytes: number;
  /** Images using this layer, this one included; undefined while not yet known. */
  usedBy: number | undefined;
  /** What this layer wrote that a later one hid; undefined while not known. */
  waste: LayerWaste | undefined;
  /** The step text of the layer at a RootFS index (who hid the wasted bytes). */
  stepOfLayer: (layerIndex: number) => string | undefined;
}

/** How many hidden paths a tooltip names. */
const TOOLTIP_PATHS = 5;

export function layerRow(facts: LayerRowFacts, icons: ShareIcons): vscode.TreeItem {
  const { step, usedBy, waste } = facts;
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  if (step.empty) {
    // Empty steps (ENV, CMD, LABEL…) made no layer: everything goes in the dimmed description.
    item.description = truncate(step.createdBy || '(no build step recorded)', 120) + (step.uncertain ? ` · ${UNCERTAIN_EMPTY}` : '');
    item.iconPath = new vscode.ThemeIcon('circle-small', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = 'step.empty';
  } else {
    const glance = layerGlance(step, facts.imageBytes, usedBy, waste);
    item.label = glance.label;
    item.description = truncate(glance.description + (step.uncertain ? ` · ${UNCERTAIN_LAYER}` : ''), 160);
    const shared = (usedBy ?? 1) > 1;
    const wasted = (waste?.bytes ?? 0) > 0;
    item.iconPath = icons.icon(shareOfImage(step.size, facts.imageBytes), wasted ? 'wasted' : shared ? 'shared' : 'own');
    item.contextValue = shared ? 'layer.shared' : 'layer';
  }
  // The tooltip is made on hover (resolveTreeItem), with the packages line that needs the layer read.
  return item;
}

/** A layer row's tooltip: its step, size and share, sharing, waste, the packages line when there is one, diff ID. */
export function layerTooltip(facts: LayerRowFacts, packages?: string): vscode.MarkdownString {
  const { step, usedBy, waste } = facts;
  const md = new vscode.MarkdownString();
  appendCode(md, step.createdBy, 'dockerfile');
  if (!step.empty) {
    md.appendMarkdown(`\n\n**${formatBytes(step.size)}**, ${formatShare(shareOfImage(step.size, facts.imageBytes))} of the image's ${formatBytes(facts.imageBytes)}`);
    if (usedBy === undefined) md.appendMarkdown('  \nWhich images share it: not known yet.');
    else md.appendMarkdown(usedBy > 1 ? `  \nShared by ${usedBy} images: stored once.` : '  \nUsed by this image only.');
  }
  if (waste && waste.bytes > 0) {
    md.appendMarkdown(`\n\n$(warning) **${formatBytes(waste.bytes)} wasted**: written here, hidden by a later layer, still pulled and stored.  \n`);
    for (const p of waste.paths.slice(0, TOOLTIP_PATHS)) {
      md.appendMarkdown(`${formatBytes(p.size)} `);
      appendPlain(md, `/${p.path}`);
      md.appendMarkdown(` ${p.how === 'removed' ? 'removed' : 'written over'} by layer ${p.hiddenBy + 1}`);
      const by = facts.stepOfLayer(p.hiddenBy);
      if (by) {
        md.appendMarkdown(' (');
        appendPlain(md, truncate(by, 60));
        md.appendMarkdown(')');
      }
      md.appendMarkdown('  \n');
    }
    const more = waste.paths.length - TOOLTIP_PATHS;
    if (more > 0) md.appendMarkdown(`and ${more} more.`);
    md.supportThemeIcons = true;
  }
  if (packages) {
    md.appendMarkdown('\n\n');
    appendPlain(md, packages);
  }
  if (step.diffId) {
    md.appendMarkdown('\n\nDiff ID: ');
    appendPlain(md, step.diffId);
  }
  if (step.uncertain) md.appendMarkdown(`\n\n${UNCERTAIN_TOOLTIP}`);
  return md;
}

const UNCERTAIN_LAYER = 'step uncertain';
const UNCERTAIN_EMPTY = 'may have made a layer';
const UNCERTAIN_TOOLTIP =
  "The engine's history does not say which of its zero-size steps made layers: this pairing is the likeliest, not a certainty.";

function truncate(text: string, max: number): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
