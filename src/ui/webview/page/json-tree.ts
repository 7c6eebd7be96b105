// Inspect's JSON tree in the page: Copy Value / Copy Path ask the extension (which holds the JSON and the
// clipboard) by the node's path; search shows the nodes whose key or value holds the text, with the branches
// that lead to them opened, and gives the folding back when it is cleared.
import { vscode } from './vscode-api';

function pathOf(el: Element | null): unknown {
  const raw = el?.closest<HTMLElement>('.jnode')?.dataset.path;
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

/** Hooks the page up (its content may be patched in later); returns what to run after each patch. */
export function jsonTreePage(content: HTMLElement): () => void {
  content.addEventListener('click', (e) => {
    if (!(e.target instanceof Element)) return;
    const copy = e.target.closest<HTMLElement>('button.jcopy');
    if (copy) {
      e.preventDefault(); // a button in a <summary> would also fold its node
      const path = pathOf(copy);
      if (Array.isArray(path)) vscode.postMessage({ type: 'copy', path, what: copy.dataset.copy === 'path' ? 'path' : 'value' });
    } else if (e.target.closest('#open-json')) {
      vscode.postMessage({ type: 'openJson' });
    }
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  content.addEventListener('input', (e) => {
    if (!(e.target instanceof HTMLInputElement) || e.target.id !== 'json-search') return;
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });

  function ownText(node: HTMLElement): string {
    const head = node.tagName === 'DETAILS' ? node.querySelector(':scope > summary') : node;
    return [head?.querySelector(':scope > .jkey')?.textContent ?? '', head?.querySelector(':scope > .jvalue')?.textContent ?? ''].join(' ').toLowerCase();
  }

  /** Marks and shows the matches under `node`; true when it or something under it matches. */
  function visit(node: HTMLElement, q: string): number {
    let found = ownText(node).includes(q) ? 1 : 0;
    node.classList.toggle('jmatch', found > 0);
    let below = 0;
    for (const child of Array.from(node.querySelectorAll<HTMLElement>(':scope > .jchildren > .jnode'))) below += visit(child, q);
    if (node instanceof HTMLDetailsElement) {
      if (node.dataset.openBefore === undefined) node.dataset.openBefore = node.open ? '1' : '';
      if (below > 0) node.open = true;
      // A matching branch shows whole: its children are what was looked for.
      if (found) for (const child of Array.from(node.querySelectorAll<HTMLElement>('.jnode'))) child.hidden = false;
    }
    node.hidden = found + below === 0;
    found += below;
    return found;
  }

  function restore(): void {
    for (const node of Array.from(content.querySelectorAll<HTMLElement>('.jnode'))) {
      node.hidden = false;
      node.classList.remove('jmatch');
      if (node instanceof HTMLDetailsElement && node.dataset.openBefore !== undefined) {
        node.open = node.dataset.openBefore === '1';
        delete node.dataset.openBefore;
      }
    }
  }

  function search(): void {
    const field = content.querySelector<HTMLInputElement>('#json-search');
    const root = content.querySelector<HTMLElement>('#json-tree > .jnode');
    const count = content.querySelector('#json-count');
    if (!field || !root || !count) return;
    const q = field.value.trim().toLowerCase();
    restore();
    if (!q) {
      count.textContent = '';
      return;
    }
    const matches = visit(root, q) - (root.classList.contains('jmatch') ? 1 : 0);
    root.hidden = false;
    count.textContent = matches === 0 ? 'Nothing matches.' : matches === 1 ? '1 match' : `${matches} matches`;
  }

  return search;
}
