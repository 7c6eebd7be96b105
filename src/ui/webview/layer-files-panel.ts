// The Layer Files panel (one per image: the files of a layer, or the merged filesystem as of it) and the Wasted
// Space panel (dive's efficiency). The extension keeps the trees; the webview asks for a directory's children when
// it is expanded and for filter matches, so that a layer of 100k entries never becomes 100k DOM rows at once.
import * as vscode from 'vscode';
import { BackendError, userMessage } from '../../backend/backend';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { imageEfficiency, layerContentsCache, readImageLayers, type LayerContentsCache } from '../../backend/layer-contents';
import type { EfficiencyReport } from '../../core/efficiency';
import { findNode, layerTree, mergeLayers, searchTree, sortedChildren, type FileTree } from '../../core/filetree';
import type { LayerStep } from '../../core/layers';
import { withProgress } from '../commands/command-context';
import { html, page } from './html';
import { countsText, fileRow, layerFilesBody, layerLabel, wasteBody, wasteLoadingBody } from './layer-files-view';

/** Where the layer and view of each image's Layer Files panel are kept across reloads (workspace state). */
const VIEWS_KEY = 'layerFiles.views';
const VIEWS_KEPT = 50;
interface SavedView {
  layer: number;
  merged: boolean;
}

/** Children sent per request; the rest behind "show more". */
export const PAGE_SIZE = 500;
/** Filter matches sent at most. */
export const MAX_MATCHES = 500;

type FromWebview =
  | { type: 'ready' }
  | { type: 'select'; layer: number; merged: boolean }
  | { type: 'children'; path: string; offset: number }
  | { type: 'filter'; query: string };

function errorText(e: unknown): string {
  return userMessage(e);
}

/** One open Layer Files panel and what it shows. */
class FilesSession implements vscode.Disposable {
  private tree: FileTree | undefined;
  private seq = 0;
  private running: AbortController | undefined;
  private ready = false;
  private pendingSelect: { layer: number; merged: boolean } | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  layer: number;
  merged = false;
  /** Settles when the first tree has been sent (or failed): for tests and callers that want to wait. */
  readonly firstLoad: Promise<void>;
  private resolveFirst!: () => void;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ref: string,
    private readonly steps: LayerStep[],
    private readonly diffIds: string[],
    layer: number,
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly cache: LayerContentsCache,
    /** Told of every layer and view shown, so that a reload can come back to it. */
    private readonly onShown: (layer: number, merged: boolean) => void = () => undefined,
  ) {
    this.layer = layer;
    this.firstLoad = new Promise((resolve) => (this.resolveFirst = resolve));
    this.subscriptions.push(panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)));
  }

  select(layer: number, merged = this.merged): void {
    if (!this.ready) {
      this.pendingSelect = { layer, merged };
      return;
    }
    void this.load(layer, merged);
  }

  private onMessage(m: FromWebview): void {
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        const next = this.pendingSelect ?? { layer: this.layer, merged: this.merged };
        this.pendingSelect = undefined;
        void this.load(next.layer, next.merged);
        break;
      }
      case 'select':
        if (Number.isInteger(m.layer) && m.layer >= 0 && m.layer < this.diffIds.length) void this.load(m.layer, !!m.merged);
        break;
      case 'children':
        this.sendChildren(String(m.path ?? ''), Math.max(0, Number(m.offset) || 0));
        break;
      case 'filter':
        this.sendMatches(String(m.query ?? ''));
        break;
    }
  }

  private post(message: Record<string, unknown>): void {
    void this.panel.webview.postMessage({ ...message, seq: this.seq });
  }

  private async load(layer: number, merged: boolean): Promise<void> {
    this.running?.abort();
    const mine = new AbortController();
    this.running = mine;
    this.layer = layer;
    this.merged = merged;
    const seq = ++this.seq;
    this.tree = undefined;
    this.post({ type: 'loading', layer, merged, text: `Reading layer ${layer + 1} of ${this.diffIds.length}${layer > 0 ? ' and the layers below' : ''}…` });
    try {
      const backend = (await this.catalog()).backend;
      const contents = await withProgress(`Reading layers of ${this.ref}`, ({ signal, onProgress }) => {
        const both = new AbortController();
        const stop = () => both.abort();
        signal.addEventListener('abort', stop);
        mine.signal.addEventListener('abort', stop);
        return readImageLayers(backend, this.ref, this.diffIds.slice(0, layer + 1), this.cache, { signal: both.signal, onProgress });
      });
      if (seq !== this.seq) return;
      const entries = contents.map((c) => c.entries);
      const tree = merged ? mergeLayers(entries) : layerTree(entries[layer], layer > 0 ? mergeLayers(entries.slice(0, layer)) : undefined);
      this.tree = tree;
      const step = this.steps.find((s) => s.layerIndex === layer);
      const truncated = contents.flatMap((c, i) => (c.truncated ? [`Layer ${i + 1}: ${c.truncated}`] : []));
      const skipped = contents[layer]?.skipped ?? 0;
      this.onShown(layer, merged);
      this.post({
        type: 'tree',
        layer,
        merged,
        step: step ? layerLabel(step) : `Layer ${layer + 1}`,
        counts: countsText(tree.counts, merged),
        warnings: truncated,
        skipped,
        ...this.childrenPage('', 0),
      });
    } catch (e) {
      if (seq !== this.seq) return;
      this.post({ type: 'error', text: BackendError.is(e, 'cancelled') ? 'Cancelled. Pick the layer again to retry.' : errorText(e) });
    } finally {
      if (this.running === mine) this.running = undefined;
      this.resolveFirst();
    }
  }

  private childrenPage(path: string, offset: number) {
    const node = this.tree ? findNode(this.tree, path) : undefined;
    const kids = node ? sortedChildren(node) : [];
    const rows = kids.slice(offset, offset + PAGE_SIZE).map((n) => fileRow(n));
    return { path, offset, rows, total: kids.length };
  }

  private sendChildren(path: string, offset: number): void {
    if (!this.tree) return;
    this.post({ type: 'children', ...this.childrenPage(path, offset) });
  }

  private sendMatches(query: string): void {
    if (!this.tree) return;
    const q = query.trim();
    if (!q) return this.post({ type: 'matches', query, rows: [], total: 0 });
    const { nodes, total } = searchTree(this.tree, q, MAX_MATCHES);
    this.post({ type: 'matches', query, rows: nodes.map((n) => fileRow(n, true)), total });
  }

  dispose(): void {
    this.running?.abort();
    for (const d of this.subscriptions) d.dispose();
  }
}

export class LayerFilesPanels implements vscode.Disposable {
  private readonly files = new Map<string, FilesSession>();
  private readonly waste = new Map<string, vscode.WebviewPanel>();

  /** `memory`: where the layer and view each image's panel was on are kept (the workspace's state). */
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly cache: LayerContentsCache = layerContentsCache(),
    private readonly memory?: vscode.Memento,
  ) {}

  private options(scripts: boolean): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: scripts,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  /** Opens (or reveals) the Layer Files panel of an image on a layer (by position in RootFS; default: the top). */
  async showFiles(ref: string, layer?: number): Promise<{ panel: vscode.WebviewPanel; loaded: Promise<void> }> {
    const open = this.files.get(ref);
    if (open) {
      open.panel.reveal();
      if (layer !== undefined && layer !== open.layer) open.select(layer);
      return { panel: open.panel, loaded: open.firstLoad };
    }
    const model = await this.filesModel(ref, layer);
    const panel = vscode.window.createWebviewPanel('imageLayers.layerFiles', `Layer Files ${ref}`, vscode.ViewColumn.Active, this.options(true));
    return { panel, loaded: this.attachFiles(panel, ref, model, false) };
  }

  /** What a Layer Files panel shows of an image: its layer steps and diff IDs, and the layer to start on. */
  private async filesModel(ref: string, layer?: number): Promise<{ steps: LayerStep[]; diffIds: string[]; selected: number }> {
    const catalog = await this.catalog();
    const inspect = await catalog.inspect(ref);
    const details = await catalog.detailsOf(inspect.Id);
    const diffIds = inspect.RootFS?.Layers ?? [];
    if (diffIds.length === 0) throw new BackendError('not-found', `${ref} has no layers.`);
    const steps = stepsOf(details).filter((s) => s.layerIndex !== undefined);
    const selected = layer !== undefined && layer >= 0 && layer < diffIds.length ? layer : diffIds.length - 1;
    return { steps, diffIds, selected };
  }

  private attachFiles(panel: vscode.WebviewPanel, ref: string, model: { steps: LayerStep[]; diffIds: string[]; selected: number }, merged: boolean): Promise<void> {
    const title = `Layer Files ${ref}`;
    const remember = (layer: number, merged: boolean) => {
      // One entry per image, the most recent last, at most VIEWS_KEPT of them.
      const views = Object.entries(this.memory?.get<Record<string, SavedView>>(VIEWS_KEY) ?? {}).filter(([r]) => r !== ref);
      void this.memory?.update(VIEWS_KEY, Object.fromEntries([...views.slice(-(VIEWS_KEPT - 1)), [ref, { layer, merged }]]));
    };
    const session = new FilesSession(panel, ref, model.steps, model.diffIds, model.selected, this.catalog, this.cache, remember);
    if (merged) session.select(model.selected, true);
    this.files.set(ref, session);
    panel.onDidDispose(() => {
      session.dispose();
      if (this.files.get(ref) === session) this.files.delete(ref);
    });
    const css = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'layer-files.css')).toString();
    panel.webview.html = page(panel.webview, this.extensionUri, {
      title,
      body: layerFilesBody(ref, model.steps, model.selected, css),
      scripts: ['layer-files.js'],
    });
    return session.firstLoad;
  }

  /**
   * Brings back a Layer Files or Wasted Space panel after a window reload (the serializers are registered in
   * layer-commands.ts, so that this module still loads on first use): the tab title names the image, and the
   * workspace's state the layer and view Layer Files was on.
   */
  async restore(viewType: string, panel: vscode.WebviewPanel): Promise<void> {
    const files = viewType === 'imageLayers.layerFiles';
    const prefix = files ? 'Layer Files ' : 'Wasted Space ';
    const ref = panel.title.startsWith(prefix) ? panel.title.slice(prefix.length) : '';
    // One panel of each kind per image: a second one of the same kind is not brought back.
    if (!ref || (files ? this.files : this.waste).has(ref)) return panel.dispose();
    if (!files) {
      panel.webview.options = this.options(false);
      await this.showWaste(ref, panel).catch(() => undefined); // the panel shows the error
      return;
    }
    panel.webview.options = this.options(true);
    const saved: Partial<SavedView> = this.memory?.get<Record<string, SavedView>>(VIEWS_KEY)?.[ref] ?? {};
    try {
      const model = await this.filesModel(ref, typeof saved.layer === 'number' ? saved.layer : undefined);
      void this.attachFiles(panel, ref, model, saved.merged === true);
    } catch (e) {
      panel.webview.html = page(panel.webview, this.extensionUri, { title: panel.title, body: html`<h1>${panel.title}</h1><p class="error">${errorText(e)}</p>` });
    }
  }

  /**
   * Opens (or reveals) the Wasted Space panel of an image, reading every layer with progress. `restored`: a panel
   * VS Code brought back after a reload, to render into.
   */
  async showWaste(ref: string, restored?: vscode.WebviewPanel): Promise<{ panel: vscode.WebviewPanel; report?: EfficiencyReport }> {
    const title = `Wasted Space ${ref}`;
    let panel = this.waste.get(ref);
    if (panel) {
      panel.reveal();
    } else {
      const made = restored ?? vscode.window.createWebviewPanel('imageLayers.wastedSpace', title, vscode.ViewColumn.Active, this.options(false));
      panel = made;
      this.waste.set(ref, made);
      made.onDidDispose(() => {
        if (this.waste.get(ref) === made) this.waste.delete(ref);
      });
    }
    const shown = panel;
    const render = (body: ReturnType<typeof html>) => {
      try {
        shown.webview.html = page(shown.webview, this.extensionUri, { title, body });
      } catch {
        // The panel was closed while the layers were read.
      }
    };
    try {
      const catalog = await this.catalog();
      const inspect = await catalog.inspect(ref);
      render(wasteLoadingBody(ref, inspect.RootFS?.Layers?.length ?? 0));
      const report = await withProgress(`Measuring wasted space in ${ref}`, ({ signal, onProgress }) =>
        imageEfficiency(catalog.backend, ref, { signal, onProgress, cache: this.cache }),
      );
      render(wasteBody(ref, report));
      return { panel: shown, report };
    } catch (e) {
      const text = BackendError.is(e, 'cancelled') ? 'Cancelled. Run "Show Wasted Space" again to measure.' : errorText(e);
      render(html`<h1>Wasted space <code>${ref}</code></h1><p class="error">${text}</p>`);
      if (!BackendError.is(e, 'cancelled')) throw e;
      return { panel: shown };
    }
  }

  dispose(): void {
    for (const s of this.files.values()) s.panel.dispose();
    for (const p of this.waste.values()) p.dispose();
  }
}
