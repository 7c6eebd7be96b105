// The body of the History panel: the `docker history` table, newest step first.
import { formatAge, formatBytes } from '../../core/format';
import type { LayerStep } from '../../core/layers';
import type { HistoryItem, ImageInspect } from '../../core/model';
import { shortId } from '../../core/reference';
import { html, type Html } from './html';

const UNCERTAIN = 'The engine does not say whether this step made a layer; the pairing shown is the likeliest, not a certainty.';

/** `steps` (oldest first) say which rows made no layer: a size of 0 alone does not (a `RUN rm` makes a layer of 0 B). */
export function historyBody(ref: string, inspect: ImageInspect, history: HistoryItem[], steps: LayerStep[]): Html {
  const stepOf = (row: number) => steps[history.length - 1 - row];
  return html`<h1>History <code>${ref}</code></h1>
<p class="dim">${inspect.Id} · ${history.length} steps · ${inspect.RootFS?.Layers?.length ?? 0} layers</p>
<table class="history">
<thead><tr><th>IMAGE</th><th>CREATED</th><th>CREATED BY</th><th class="num">SIZE</th><th>COMMENT</th></tr></thead>
<tbody>${history.map(
    (h, row) => html`<tr class="${stepOf(row)?.empty ? 'empty' : ''}" title="${stepOf(row)?.uncertain ? UNCERTAIN : ''}">
<td><code>${h.Id === '<missing>' ? '<missing>' : shortId(h.Id)}</code></td>
<td title="${new Date(h.Created * 1000).toISOString()}">${h.Created ? formatAge(h.Created) : ''}</td>
<td class="created-by"><code>${h.CreatedBy}</code></td>
<td class="num">${formatBytes(h.Size)}</td>
<td>${h.Comment}</td>
</tr>`,
  )}</tbody>
</table>`;
}
