// The Layer Map page: draws the cells the extension laid out (core/layer-map.ts) as buttons placed by CSSOM
// (the CSP forbids style attributes in markup, not style properties set by a script), shows a layer's facts on
// hover or focus, and asks for its files on a click. Every text comes from images: only ever textContent.
import type { LayerMapView, ToPage } from '../protocol';
import { byId, el } from './dom';
import { vscode } from './vscode-api';

/** Narrower than this, a column's label no longer reads: the map scrolls sideways instead. */
const MIN_COLUMN_PX = 120;

/** Hooks the page up; returns the handler of the extension's Layer Map messages (true: handled). */
export function layerMapPage(): (m: ToPage) => boolean {
  const map = byId('map');
  const inner = byId('map-inner');
  const columns = byId('map-columns');
  const summary = byId('map-summary');
  const notes = byId('map-notes');
  const facts = byId('map-facts');
  let view: LayerMapView | undefined;

  function showFacts(key: string | undefined): void {
    const cell = view?.cells.find((c) => c.key === key);
    if (!cell) return;
    facts.textContent = '';
    cell.facts.forEach((line, i) => facts.appendChild(el('div', i === 0 ? 'fact-step' : 'fact', line)));
  }

  function draw(next: LayerMapView): void {
    view = next;
    summary.textContent = next.summary;
    notes.textContent = '';
    for (const note of next.notes) notes.appendChild(el('p', 'note', note));
    const n = Math.max(1, next.columns.length);
    inner.style.minWidth = n * MIN_COLUMN_PX + 'px';
    map.style.height = next.height + 'px';
    map.textContent = '';
    for (const c of next.cells) {
      const cell = el('button', 'cell ' + (c.shared ? 'shared' : 'own'));
      cell.dataset.key = c.key;
      cell.dataset.first = String(c.first);
      cell.dataset.last = String(c.last);
      cell.setAttribute('role', 'listitem');
      cell.setAttribute('aria-label', c.facts.join('. '));
      cell.title = c.facts.join('\n');
      cell.style.left = `calc(${(c.first / n) * 100}% + 3px)`;
      cell.style.width = `calc(${((c.last - c.first + 1) / n) * 100}% - 6px)`;
      cell.style.bottom = c.bottom + 'px';
      cell.style.height = Math.max(1, c.height - 2) + 'px';
      cell.appendChild(el('span', 'cell-label', c.label));
      cell.appendChild(el('span', 'cell-size', c.size));
      map.appendChild(cell);
    }
    columns.textContent = '';
    for (const c of next.columns) {
      const col = el('div', 'column');
      for (const name of c.names) col.appendChild(el('div', 'column-name', name));
      col.appendChild(el('div', 'column-facts dim', `${c.id} · ${c.size}`));
      columns.appendChild(col);
    }
  }

  const keyOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>('.cell')?.dataset.key : undefined);
  map.addEventListener('mouseover', (e) => showFacts(keyOf(e.target)));
  map.addEventListener('focusin', (e) => showFacts(keyOf(e.target)));
  map.addEventListener('click', (e) => {
    const key = keyOf(e.target);
    if (key) vscode.postMessage({ type: 'openLayer', key });
  });

  return (m) => {
    if (m.type !== 'layerMap') return false;
    draw(m.map);
    return true;
  };
}
