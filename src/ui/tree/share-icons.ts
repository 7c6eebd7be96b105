// A layer row's icon is a small pie filled by the layer's share of its image: a ThemeIcon cannot be partly
// filled, so each step is an SVG file of its own (one per theme kind), written once to the extension's storage.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { shareStep } from '../../core/layer-glance';

/** Eighths: enough to tell 10% from 40% from 90% at 16 px. */
export const SHARE_STEPS = 8;

/** own: used by this image only; shared: by others too; wasted: holds bytes a later layer hid. */
export type ShareTone = 'own' | 'shared' | 'wasted';

// Theme colours an SVG file cannot reference: icon foreground, charts.blue and the warning colour of each kind.
const COLOURS: Record<ShareTone, { light: string; dark: string }> = {
  own: { light: '#616161', dark: '#c5c5c5' },
  shared: { light: '#1a85ff', dark: '#3794ff' },
  wasted: { light: '#bf8803', dark: '#cca700' },
};

/** A 16×16 pie: a ring, and a wedge from twelve o'clock clockwise over `step` of SHARE_STEPS. */
export function pieSvg(step: number, colour: string): string {
  const ring = `<circle cx="8" cy="8" r="6.5" fill="none" stroke="${colour}" stroke-width="1"/>`;
  let wedge = '';
  if (step >= SHARE_STEPS) {
    wedge = `<circle cx="8" cy="8" r="5" fill="${colour}"/>`;
  } else if (step > 0) {
    const angle = (2 * Math.PI * step) / SHARE_STEPS;
    const x = (8 + 5 * Math.sin(angle)).toFixed(3);
    const y = (8 - 5 * Math.cos(angle)).toFixed(3);
    wedge = `<path d="M8 8 L8 3 A5 5 0 ${step > SHARE_STEPS / 2 ? 1 : 0} 1 ${x} ${y} Z" fill="${colour}"/>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">${ring}${wedge}</svg>`;
}

export class ShareIcons {
  private readonly written = new Set<string>();

  constructor(private readonly folder: string) {}

  /** The light and dark files of the pie for `share` (0…1) in `tone`, written on first use. */
  icon(share: number, tone: ShareTone): { light: vscode.Uri; dark: vscode.Uri } {
    const step = shareStep(share, SHARE_STEPS);
    return { light: this.file(step, tone, 'light'), dark: this.file(step, tone, 'dark') };
  }

  private file(step: number, tone: ShareTone, kind: 'light' | 'dark'): vscode.Uri {
    const file = path.join(this.folder, `share-${tone}-${step}-${kind}.svg`);
    if (!this.written.has(file)) {
      try {
        fs.mkdirSync(this.folder, { recursive: true });
        fs.writeFileSync(file, pieSvg(step, COLOURS[tone][kind]));
      } catch {
        // Without the file the row shows no icon; its text still says the share.
      }
      this.written.add(file);
    }
    return vscode.Uri.file(file);
  }
}
