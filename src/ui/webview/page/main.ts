// The one page script of every panel: says `ready` before the extension posts anything, keeps the panel's state
// with setState (handed back to the serializer after a reload), and patches new content into the page in place
// (morphdom), so that a refresh keeps the reader's scroll position and text selection.
import morphdom from 'morphdom';
import { keepView, parsePanelState, type FileAction, type ProbeAction, type ToPage } from '../protocol';
import { layerFilesPage } from './layer-files';
import { layerMapPage } from './layer-map';
import { jsonTreePage } from './json-tree';
import { vscode } from './vscode-api';

const content = document.getElementById('content') as HTMLElement;
const pageId = Math.random().toString(36).slice(2);
let renders = 0;

// The state the extension opened the page with, kept at once: a reload before the first post still restores it.
// A page shown again after being hidden keeps what it had kept since (e.g. another layer).
const initial = parsePanelState(vscode.getState()) ?? parsePanelState(JSON.parse(document.body.dataset.state ?? 'null'));
if (initial) vscode.setState(initial);

// Layer Files' controls are there unless its image could not be read (then the page is just the sentence).
const layerFiles = document.getElementById('app') ? layerFilesPage() : undefined;
const layerMap = document.getElementById('layer-map') ? layerMapPage() : undefined;
const afterRender = initial?.kind === 'inspect' ? jsonTreePage(content) : undefined;

function render(html: string): void {
  const next = content.cloneNode(false) as HTMLElement;
  next.innerHTML = html; // made by html.ts: every value from an image is escaped there
  morphdom(content, next, {
    childrenOnly: true,
    onBeforeElUpdated(from, to) {
      // What the reader did stays: the text typed in a field, the branches opened or closed.
      if (from instanceof HTMLInputElement && from.type === 'search') return false;
      if (from instanceof HTMLDetailsElement && to instanceof HTMLDetailsElement) {
        to.open = from.open;
        if (from.dataset.openBefore !== undefined) to.dataset.openBefore = from.dataset.openBefore;
      }
      return true;
    },
  });
  afterRender?.();
  renders++;
}

/** A test's request, done as a user would do it: scroll, point, click, type. */
function act(a: ProbeAction | undefined): void {
  if (!a) return;
  if (a.scrollTo !== undefined) window.scrollTo(0, a.scrollTo);
  if (a.hover) document.querySelector(a.hover)?.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
  if (a.click) document.querySelector<HTMLElement>(a.click)?.click();
  if (a.fill) {
    const field = document.querySelector<HTMLInputElement>(a.fill.selector);
    if (field) {
      field.value = a.fill.value;
      field.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }
}

// A file row's button (Compare, Wasted Space, Layer Files): the extension opens, diffs, copies or saves the file.
document.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest<HTMLButtonElement>('button.file-action') : null;
  if (!button) return;
  e.stopPropagation();
  const action = button.dataset.fileAction as FileAction;
  const side = button.dataset.side === 'a' || button.dataset.side === 'b' ? button.dataset.side : undefined;
  vscode.postMessage({ type: 'file', action, path: button.dataset.path ?? '', side });
}, true);

window.addEventListener('message', (event: MessageEvent<ToPage>) => {
  const m = event.data;
  if (!m || typeof m !== 'object') return;
  switch (m.type) {
    case 'state':
      vscode.setState(keepView(parsePanelState(vscode.getState()), m.state));
      break;
    case 'render':
      render(m.html);
      break;
    case 'probe':
      act(m.act);
      vscode.postMessage({
        type: 'probed',
        id: m.id,
        probe: { text: content.innerText, state: parsePanelState(vscode.getState()), scrollY: window.scrollY, pageId, renders },
      });
      break;
    default:
      if (layerFiles?.(m) || layerMap?.(m)) renders++;
  }
});

vscode.postMessage({ type: 'ready' });
