// The buttons of a file row (Compare, Wasted Space): each names its action and the path in data attributes, which
// the page script posts back as a `file` request. Paths come from image tars: html`` escapes them.
import { html, type Html } from './html';
import type { FileAction } from './protocol';

export interface ActionButton {
  action: FileAction;
  label: string;
  title: string;
  side?: 'a' | 'b';
}

export function fileActions(path: string, buttons: ActionButton[]): Html {
  return html`<span class="file-actions">${buttons.map(
    (b) => html`<button type="button" class="file-action" data-file-action="${b.action}" data-path="${path}"${b.side ? html` data-side="${b.side}"` : ''} title="${b.title}">${b.label}</button>`,
  )}</span>`;
}

/** Open, diff with the layer below (not for the bottom layer), copy the path, save it out. */
export function layerFileActions(path: string, layer: number): Html {
  const buttons: ActionButton[] = [{ action: 'open', label: 'Open', title: `Open /${path} as of layer ${layer + 1}` }];
  if (layer > 0) buttons.push({ action: 'diffBelow', label: 'Diff ↓', title: `Diff /${path} with layer ${layer} below` });
  buttons.push({ action: 'copyPath', label: 'Copy path', title: 'Copy the path' }, { action: 'save', label: 'Save…', title: 'Save the file out' });
  return fileActions(path, buttons);
}
