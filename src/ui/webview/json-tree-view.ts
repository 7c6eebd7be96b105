// Inspect's JSON as a tree of <details> (folding needs no script), each node carrying its path for the page's
// Copy Value / Copy Path buttons and search. Keys and values come from the image: html`` escapes them.
import type { JsonPathSegment } from '../../core/json-path';
import { html, type Html } from './html';

/** Nodes this deep or shallower start open: the top level and the objects right under it. */
const OPEN_DEPTH = 1;

function actions(): Html {
  return html`<span class="jactions"><button class="jcopy" data-copy="value" title="Copy value">Copy value</button><button class="jcopy" data-copy="path" title="Copy path">Copy path</button></span>`;
}

function scalar(value: unknown): Html {
  const kind = value === null ? 'null' : typeof value;
  return html`<span class="jvalue j${kind}">${JSON.stringify(value)}</span>`;
}

function node(key: string | undefined, value: unknown, path: JsonPathSegment[]): Html {
  const label = key === undefined ? html`` : html`<span class="jkey">${key}</span><span class="jsep">: </span>`;
  const pathAttr = JSON.stringify(path);
  if (value !== null && typeof value === 'object') {
    const entries: [JsonPathSegment, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const meta = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    if (entries.length === 0) return html`<div class="jnode jleaf" data-path="${pathAttr}">${label}<span class="jvalue">${Array.isArray(value) ? '[]' : '{}'}</span>${actions()}</div>`;
    return html`<details class="jnode" data-path="${pathAttr}"${path.length <= OPEN_DEPTH ? html` open` : ''}><summary>${label}<span class="jmeta">${meta}</span>${actions()}</summary><div class="jchildren">${entries.map(
      ([k, v]) => node(String(k), v, [...path, k]),
    )}</div></details>`;
  }
  return html`<div class="jnode jleaf" data-path="${pathAttr}">${label}${scalar(value)}${actions()}</div>`;
}

/** The tree, a search field over keys and values, and Open as JSON. */
export function jsonTree(value: unknown): Html {
  return html`<div class="json-tools">
<input type="search" id="json-search" placeholder="Search keys and values" aria-label="Search keys and values" spellcheck="false">
<span id="json-count" class="dim" role="status"></span>
<button id="open-json" title="The whole JSON in a read-only editor">Open as JSON</button>
</div>
<div id="json-tree" class="json-tree">${node(undefined, value, [])}</div>`;
}
