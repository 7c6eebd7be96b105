// The Layer Files panel's script: renders the rows the extension sends, asks for a directory's children when it
// is expanded, and for matches when the filter changes. Names come from image tars: only ever textContent.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const $ = (id) => document.getElementById(id);
  const app = $('app');
  const tree = $('tree');
  const matches = $('matches');
  const status = $('status');
  const counts = $('counts');
  const layerSelect = $('layer');
  const mergedBox = $('merged');
  const filter = $('filter');
  /** The children container of each directory row shown, by path ('' is the root). */
  let containers = new Map();
  let seq = -1;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const CHANGE_MARK = { added: 'A', modified: 'M', removed: 'D', unchanged: '' };

  function row(r, depth, flat) {
    const item = el('div', 'node');
    const line = el('div', 'row change-' + r.change);
    line.setAttribute('role', flat ? 'listitem' : 'treeitem');
    line.tabIndex = 0;
    line.style.paddingLeft = (flat ? 4 : 4 + depth * 16) + 'px';
    line.dataset.path = r.path;
    const expandable = !flat && r.dir && r.children > 0;
    const twisty = el('span', 'twisty', expandable ? '▸' : '');
    line.appendChild(twisty);
    const name = el('span', 'name' + (r.dir ? ' dir' : ''), r.name + (r.dir && !flat ? '/' : ''));
    name.title = '/' + r.path;
    line.appendChild(name);
    if (r.link !== undefined) line.appendChild(el('span', 'link', (r.kind === 'hardlink' ? ' ⇒ ' : ' → ') + r.link));
    if (r.opaque) line.appendChild(el('span', 'opaque', ' (opaque: lower contents hidden)'));
    line.appendChild(el('span', 'spacer'));
    line.appendChild(el('span', 'mode', r.mode));
    const mark = el('span', 'mark', CHANGE_MARK[r.change] || '');
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

  function moreButton(path, offset, total, depth) {
    const b = el('button', 'more', 'Show more (' + (total - offset).toLocaleString('en-US') + ' left)');
    b.dataset.path = path;
    b.dataset.offset = String(offset);
    b.style.marginLeft = 4 + (depth + 1) * 16 + 'px';
    return b;
  }

  function depthOf(path) {
    const line = path === '' ? undefined : containers.get(path) && containers.get(path).previousSibling;
    return line && line.dataset.depth ? Number(line.dataset.depth) + 1 : 0;
  }

  function fill(container, m) {
    const depth = depthOf(m.path);
    const old = container.querySelector(':scope > button.more');
    if (old) old.remove();
    if (m.offset === 0) container.textContent = '';
    const frag = document.createDocumentFragment();
    for (const r of m.rows) {
      const item = row(r, depth, false);
      const kids = item.querySelector(':scope > .children');
      if (kids) containers.set(r.path, kids);
      frag.appendChild(item);
    }
    if (m.offset + m.rows.length < m.total) frag.appendChild(moreButton(m.path, m.offset + m.rows.length, m.total, depth - 1));
    if (m.total === 0 && m.path === '') frag.appendChild(el('p', 'dim', 'This layer has no files.'));
    container.appendChild(frag);
  }

  function toggle(line) {
    const item = line.parentElement;
    const kids = item.querySelector(':scope > .children');
    if (!kids) return;
    const open = kids.hidden;
    kids.hidden = !open;
    line.setAttribute('aria-expanded', String(open));
    line.querySelector('.twisty').textContent = open ? '▾' : '▸';
    if (open && !kids.dataset.loaded) {
      kids.dataset.loaded = '1';
      kids.appendChild(el('div', 'dim loading', 'Loading…'));
      vscode.postMessage({ type: 'children', path: line.dataset.path, offset: 0 });
    }
  }

  function onActivate(target) {
    const more = target.closest('button.more');
    if (more) {
      more.disabled = true;
      vscode.postMessage({ type: 'children', path: more.dataset.path, offset: Number(more.dataset.offset) });
      return;
    }
    const line = target.closest('.row');
    if (line && line.dataset.dir) toggle(line);
  }

  tree.addEventListener('click', (e) => onActivate(e.target));
  tree.addEventListener('keydown', (e) => {
    const line = e.target.closest && e.target.closest('.row');
    if (!line) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate(e.target);
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const kids = line.parentElement.querySelector(':scope > .children');
      if (kids && kids.hidden === (e.key === 'ArrowRight')) toggle(line);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const rows = [...tree.querySelectorAll('.row')].filter((r) => r.offsetParent !== null);
      const i = rows.indexOf(line) + (e.key === 'ArrowDown' ? 1 : -1);
      if (rows[i]) rows[i].focus();
    }
  });

  function select() {
    filter.value = '';
    showTree();
    vscode.postMessage({ type: 'select', layer: Number(layerSelect.value), merged: mergedBox.checked });
  }
  layerSelect.addEventListener('change', select);
  mergedBox.addEventListener('change', select);

  function showTree() {
    matches.hidden = true;
    tree.hidden = false;
  }

  let filterTimer;
  filter.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      const q = filter.value.trim();
      if (!q) return showTree();
      vscode.postMessage({ type: 'filter', query: q });
    }, 200);
  });

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    if (typeof m.seq === 'number' && m.seq < seq) return;
    switch (m.type) {
      case 'loading':
        seq = m.seq;
        status.textContent = m.text;
        status.classList.remove('error');
        counts.textContent = '';
        tree.textContent = '';
        containers = new Map();
        layerSelect.value = String(m.layer);
        mergedBox.checked = !!m.merged;
        break;
      case 'tree': {
        seq = m.seq;
        layerSelect.value = String(m.layer);
        mergedBox.checked = !!m.merged;
        counts.textContent = m.counts;
        const notes = (m.merged ? 'Merged filesystem as of layer ' : 'Changes in layer ') + m.step;
        status.textContent = notes + (m.warnings.length ? ' — ' + m.warnings.join(' ') : '') + (m.skipped ? ' — ' + m.skipped + ' entries not shown (root or unreadable names).' : '');
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
        if (c) fill(c, m);
        break;
      }
      case 'matches': {
        if (m.query !== filter.value.trim()) return;
        matches.textContent = '';
        const head = el('p', 'dim', m.total === 0 ? 'No path matches.' : m.total > m.rows.length ? 'Showing ' + m.rows.length + ' of ' + m.total.toLocaleString('en-US') + ' matches.' : m.total + (m.total === 1 ? ' match.' : ' matches.'));
        matches.appendChild(head);
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
  });

  vscode.postMessage({ type: 'ready' });
})();
