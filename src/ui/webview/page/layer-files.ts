// The Layer Files page: renders the rows the extension sends, asks for a directory's children when it is expanded,
// and for matches when the filter changes; keeps the folders open and the scroll position in its state and opens
// them again when the tree comes back. Names come from image tars: only ever textContent.
import { parsePanelState, type ChildrenPage, type FileAction, type FileRow, type LayerOption, type ToPage } from '../protocol';
import { byId, el } from './dom';
import { vscode } from './vscode-api';

const CHANGE_MARK: Record<FileRow['change'], string> = { added: 'A', modified: 'M', removed: 'D', unchanged: '' };

/** Wires the page's controls; returns the handler of the extension's Layer Files messages (true: handled). */
export function layerFilesPage(): (m: ToPage) => boolean {
  const app = byId('app');
  const tree = byId('tree');
  const matches = byId('matches');
  const status = byId('status');
  const counts = byId('counts');
  const layerSelect = byId<HTMLSelectElement>('layer');
  const mergedBox = byId<HTMLInputElement>('merged');
  const filter = byId<HTMLInputElement>('filter');
  const legend = byId('legend');
  /** The children container of each directory row shown, by path ('' is the root). */
  let containers = new Map<string, HTMLElement>();
  let seq = -1;
  /** Folders open in the tree shown, and those still to open again as their parents' rows arrive. */
  const kept = parsePanelState(vscode.getState());
  const expanded = new Set<string>(kept?.kind === 'layerFiles' ? (kept.view?.expanded ?? []) : []);
  let reopen = new Set<string>();
  /** Where to scroll back to once the folders are open again; undefined when there is nowhere to go back to. */
  let scrollBack: number | undefined;
  /** Folders opened again whose rows have not arrived yet. */
  let awaited = 0;

  function saveView(): void {
    const state = parsePanelState(vscode.getState());
    if (state?.kind !== 'layerFiles') return;
    vscode.setState({ ...state, view: { expanded: [...expanded], scrollY: scrollBack ?? window.scrollY } });
  }

  /** After rows arrived: open again those folders among them that were open, then go back to the scroll position. */
  function restore(container: HTMLElement): void {
    for (const line of Array.from(container.querySelectorAll<HTMLElement>(':scope > .node > .row[data-dir]'))) {
      const path = line.dataset.path ?? '';
      if (reopen.delete(path)) {
        awaited++;
        toggle(line);
      }
    }
    if (scrollBack === undefined) return;
    window.scrollTo(0, scrollBack);
    if ((reopen.size === 0 && awaited === 0) || window.scrollY >= scrollBack) scrollBack = undefined;
  }

  let scrollTimer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('scroll', () => {
    if (scrollBack !== undefined) return; // still going back: not the reader's move
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(saveView, 150);
  });

  function row(r: FileRow, depth: number, flat: boolean): HTMLElement {
    const item = el('div', 'node');
    const line = el('div', 'row change-' + r.change);
    line.setAttribute('role', flat ? 'listitem' : 'treeitem');
    line.tabIndex = 0;
    line.style.paddingLeft = (flat ? 4 : 4 + depth * 16) + 'px';
    line.dataset.path = r.path;
    const expandable = !flat && r.dir && r.children > 0;
    line.appendChild(el('span', 'twisty', expandable ? '▸' : ''));
    // One run of text, so the spaces around an arrow stay (a flex item drops its leading space).
    const label = el('span', 'label');
    label.title = '/' + r.path + (r.link !== undefined ? (r.kind === 'hardlink' ? ' ⇒ ' : ' → ') + r.link : '');
    label.appendChild(el('span', 'name' + (r.dir ? ' dir' : ''), r.name + (r.dir && !flat ? '/' : '')));
    if (r.link !== undefined) label.appendChild(el('span', 'link', (r.kind === 'hardlink' ? ' ⇒ ' : ' → ') + r.link));
    if (r.opaque) label.appendChild(el('span', 'opaque', ' (opaque: lower contents hidden)'));
    line.appendChild(label);
    line.appendChild(el('span', 'spacer'));
    if (!flat || !r.dir) line.appendChild(actions(r));
    line.appendChild(el('span', 'mode', r.mode));
    const mark = el('span', 'mark', CHANGE_MARK[r.change] ?? '');
    mark.title = r.change;
    line.appendChild(mark);
    line.appendChild(el('span', 'size', r.size));
    item.appendChild(line);
    if (expandable) {
      line.setAttribute('aria-expanded', 'false');
      line.dataset.dir = '1';
      line.dataset.depth = String(depth);
      const kids = el('div', 'children');
      kids.hidden = true;
      kids.setAttribute('role', 'group');
      item.appendChild(kids);
    }
    return item;
  }

  /** A file's buttons (handled by main.ts): a removed one is read from the layer below, so it has no diff. */
  function actions(r: FileRow): HTMLElement {
    const box = el('span', 'file-actions');
    if (r.kind !== 'file' && r.kind !== 'hardlink' && r.kind !== 'symlink') return box;
    const layer = Number(layerSelect.value);
    const add = (action: FileAction, label: string, title: string) => {
      const b = el('button', 'file-action', label) as HTMLButtonElement;
      b.type = 'button';
      b.title = title;
      b.dataset.fileAction = action;
      b.dataset.path = r.path;
      box.appendChild(b);
    };
    add('open', 'Open', r.change === 'removed' ? 'Open it as it was in layer ' + layer : 'Open it as of layer ' + (layer + 1));
    if (layer > 0 && r.change !== 'removed') add('diffBelow', 'Diff ↓', 'Diff with layer ' + layer + ' below');
    add('copyPath', 'Copy path', 'Copy the path');
    add('save', 'Save…', 'Save the file out');
    return box;
  }

  function moreButton(path: string, offset: number, total: number, depth: number): HTMLElement {
    const b = el('button', 'more', 'Show more (' + (total - offset).toLocaleString('en-US') + ' left)');
    b.dataset.path = path;
    b.dataset.offset = String(offset);
    b.style.marginLeft = 4 + (depth + 1) * 16 + 'px';
    return b;
  }

  function depthOf(path: string): number {
    const line = path === '' ? undefined : (containers.get(path)?.previousSibling as HTMLElement | null | undefined);
    return line?.dataset.depth ? Number(line.dataset.depth) + 1 : 0;
  }

  function fill(container: HTMLElement, m: ChildrenPage): void {
    const depth = depthOf(m.path);
    container.querySelector(':scope > button.more')?.remove();
    if (m.offset === 0) container.textContent = '';
    const frag = document.createDocumentFragment();
    for (const r of m.rows) {
      const item = row(r, depth, false);
      const kids = item.querySelector<HTMLElement>(':scope > .children');
      if (kids) containers.set(r.path, kids);
      frag.appendChild(item);
    }
    if (m.offset + m.rows.length < m.total) frag.appendChild(moreButton(m.path, m.offset + m.rows.length, m.total, depth - 1));
    if (m.total === 0 && m.path === '') frag.appendChild(el('p', 'dim', 'This layer has no files.'));
    container.appendChild(frag);
    restore(container);
  }

  function toggle(line: HTMLElement): void {
    const kids = line.parentElement?.querySelector<HTMLElement>(':scope > .children');
    if (!kids) return;
    const open = kids.hidden;
    kids.hidden = !open;
    line.setAttribute('aria-expanded', String(open));
    const path = line.dataset.path ?? '';
    if (open) expanded.add(path);
    else for (const p of [...expanded]) if (p === path || p.startsWith(path + '/')) expanded.delete(p);
    saveView();
    const twisty = line.querySelector('.twisty');
    if (twisty) twisty.textContent = open ? '▾' : '▸';
    if (open && !kids.dataset.loaded) {
      kids.dataset.loaded = '1';
      kids.appendChild(el('div', 'dim loading', 'Loading…'));
      vscode.postMessage({ type: 'children', path: line.dataset.path ?? '', offset: 0 });
    }
  }

  function onActivate(target: Element): void {
    const more = target.closest<HTMLButtonElement>('button.more');
    if (more) {
      more.disabled = true;
      vscode.postMessage({ type: 'children', path: more.dataset.path ?? '', offset: Number(more.dataset.offset) });
      return;
    }
    const line = target.closest<HTMLElement>('.row');
    if (line?.dataset.dir) toggle(line);
  }

  // Double-clicking a file opens it, as in the Explorer.
  tree.addEventListener('dblclick', (e) => {
    const line = e.target instanceof Element ? e.target.closest<HTMLElement>('.row') : null;
    if (line && !line.dataset.dir && line.querySelector('button.file-action')) vscode.postMessage({ type: 'file', action: 'open', path: line.dataset.path ?? '' });
  });

  tree.addEventListener('click', (e) => {
    if (e.target instanceof Element) onActivate(e.target);
  });
  tree.addEventListener('keydown', (e) => {
    const line = e.target instanceof Element ? e.target.closest<HTMLElement>('.row') : null;
    if (!line || !(e.target instanceof Element)) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate(e.target);
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const kids = line.parentElement?.querySelector<HTMLElement>(':scope > .children');
      if (kids && kids.hidden === (e.key === 'ArrowRight')) toggle(line);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const rows = Array.from(tree.querySelectorAll<HTMLElement>('.row')).filter((r) => r.offsetParent !== null);
      rows[rows.indexOf(line) + (e.key === 'ArrowDown' ? 1 : -1)]?.focus();
    }
  });

  /** The picker's layers, replaced only when the image behind the panel changed (a refresh after a re-tag). */
  function setLayers(layers: LayerOption[]): void {
    const now = Array.from(layerSelect.options).map((o) => o.value + '\n' + o.text).join('\n');
    if (now === layers.map((l) => l.value + '\n' + l.label).join('\n')) return;
    layerSelect.textContent = '';
    for (const l of layers) {
      const option = el('option', undefined, l.label) as HTMLOptionElement;
      option.value = String(l.value);
      layerSelect.appendChild(option);
    }
  }

  function showTree(): void {
    matches.hidden = true;
    tree.hidden = false;
  }

  function select(): void {
    filter.value = '';
    showTree();
    vscode.postMessage({ type: 'select', layer: Number(layerSelect.value), merged: mergedBox.checked });
  }
  layerSelect.addEventListener('change', select);
  mergedBox.addEventListener('change', select);

  let filterTimer: ReturnType<typeof setTimeout> | undefined;
  filter.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      const q = filter.value.trim();
      if (!q) return showTree();
      vscode.postMessage({ type: 'filter', query: q });
    }, 200);
  });

  return (m) => {
    if (!('seq' in m)) return false;
    if (m.seq < seq) return true;
    switch (m.type) {
      case 'loading': {
        // Another layer or view starts closed and at the top; the same one (shown again) opens as it was.
        const state = parsePanelState(vscode.getState());
        const same = state?.kind === 'layerFiles' && state.layer === m.layer && (state.merged === true) === m.merged && state.view;
        if (!same) expanded.clear();
        reopen = new Set(expanded);
        awaited = 0;
        scrollBack = same && state.view ? state.view.scrollY : undefined;
        seq = m.seq;
        status.textContent = m.text;
        status.classList.remove('error');
        counts.textContent = '';
        tree.textContent = '';
        containers = new Map();
        layerSelect.value = String(m.layer);
        mergedBox.checked = m.merged;
        legend.hidden = true;
        break;
      }
      case 'tree': {
        seq = m.seq;
        setLayers(m.layers);
        layerSelect.value = String(m.layer);
        mergedBox.checked = m.merged;
        counts.textContent = m.counts;
        // The legend only where marks are shown: a layer's own changes, of the kinds it has.
        for (const kind of ['added', 'modified', 'removed'] as const) {
          const entry = legend.querySelector<HTMLElement>('.change-' + kind);
          if (entry) entry.hidden = m.merged || m.changes[kind] === 0;
        }
        legend.hidden = m.merged || m.changes.added + m.changes.modified + m.changes.removed === 0;
        const notes = (m.merged ? 'Merged filesystem as of layer ' : 'Changes in layer ') + m.step;
        status.textContent =
          notes +
          (m.warnings.length ? ' — ' + m.warnings.join(' ') : '') +
          (m.skipped ? ' — ' + m.skipped + ' entries not shown (root or unreadable names).' : '');
        status.classList.toggle('error', m.warnings.length > 0);
        tree.textContent = '';
        containers = new Map([['', tree]]);
        fill(tree, m);
        app.dataset.state = 'loaded';
        if (filter.value.trim()) vscode.postMessage({ type: 'filter', query: filter.value.trim() });
        break;
      }
      case 'children': {
        const c = containers.get(m.path);
        if (awaited > 0 && m.offset === 0) awaited--;
        if (c) fill(c, m);
        break;
      }
      case 'matches': {
        if (m.query !== filter.value.trim()) return true;
        matches.textContent = '';
        const head =
          m.total === 0
            ? 'No path matches.'
            : m.total > m.rows.length
              ? 'Showing ' + m.rows.length + ' of ' + m.total.toLocaleString('en-US') + ' matches.'
              : m.total + (m.total === 1 ? ' match.' : ' matches.');
        matches.appendChild(el('p', 'dim', head));
        const frag = document.createDocumentFragment();
        for (const r of m.rows) frag.appendChild(row(r, 0, true));
        matches.appendChild(frag);
        tree.hidden = true;
        matches.hidden = false;
        break;
      }
      case 'error':
        seq = m.seq;
        status.textContent = m.text;
        status.classList.add('error');
        break;
    }
    return true;
  };
}
