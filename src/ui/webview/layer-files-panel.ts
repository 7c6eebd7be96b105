// The Layer Files panel (one per image: the files of a layer, or the merged filesystem as of it). The extension
// keeps the trees; the page asks for a directory's children when it is expanded and for filter matches, so that a
// layer of 100k entries never becomes 100k DOM rows at once.
import { loggedMessage } from '../log';
import { BackendError } from '../../backend/backend';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { layerContentsCache, readImageLayers } from '../../backend/layer-contents';
import { findNode, layerTree, mergeLayers, searchTree, sortedChildren, type FileTree } from '../../core/filetree';
import type { LayerStep } from '../../core/layers';
import { withProgress } from '../commands/command-context';
import { fileRequest, runFileAction } from '../files/file-actions';
import type { ImageFileSystemProvider } from '../files/image-fs-provider';
import { html, type Html } from './html';
import { countsText, fileRow, layerFilesBody, layerLabel } from './layer-files-view';
import type { PanelConnection } from './panel-connection';
import { panelTitle, type PanelController } from './panel-host';
import type { ChildrenPage, FromPage, PanelState, ToPage } from './protocol';

/** Children sent per request; the rest behind "show more". */
export const PAGE_SIZE = 500;
/** Filter matches sent at most. */
export const MAX_MATCHES = 500;

type FilesState = Extract<PanelState, { kind: 'layerFiles' }>;

/** What the panel shows of an image: its layer steps and diff IDs, as of the image ID read. */
interface FilesModel {
  imageId: string;
  steps: LayerStep[];
  diffIds: string[];
}

type Sequenced<T> = T extends { seq: number } ? Omit<T, 'seq'> : never;

export class LayerFilesPanel implements PanelController {
  private tree: FileTree | undefined;
  private seq = 0;
  private running: AbortController | undefined;
  private model: Promise<FilesModel>;
  private layer: number | undefined;
  private merged: boolean;
  /** The image is no longer there: what the status line says until it comes back. */
  private gone: string | undefined;

  constructor(
    private readonly connection: PanelConnection,
    private readonly state: FilesState,
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly files: ImageFileSystemProvider,
  ) {
    this.layer = state.layer;
    this.merged = state.merged === true;
    this.model = this.readModel();
    this.model.catch(() => undefined); // body() shows the failure
  }

  private get ref(): string {
    return this.state.ref;
  }

  private async readModel(): Promise<FilesModel> {
    const catalog = await this.catalog();
    const inspect = await catalog.inspect(this.ref);
    const details = await catalog.detailsOf(inspect.Id);
    const diffIds = inspect.RootFS?.Layers ?? [];
    if (diffIds.length === 0) throw new BackendError('not-found', `${this.ref} has no layers.`);
    if (this.layer === undefined || this.layer >= diffIds.length) this.layer = diffIds.length - 1;
    return { imageId: inspect.Id, steps: stepsOf(details).filter((s) => s.layerIndex !== undefined), diffIds };
  }

  async body(): Promise<Html> {
    try {
      const model = await this.model;
      return layerFilesBody(this.ref, model.steps, this.layer ?? 0);
    } catch (e) {
      return html`<h1>${panelTitle(this.state)}</h1><p id="status" class="error">${loggedMessage(e, panelTitle(this.state))}</p>`;
    }
  }

  /** Where the panel is, for the page to keep: a reload comes back to this layer and view. */
  private kept(): PanelState {
    return { kind: 'layerFiles', ref: this.ref, layer: this.layer, merged: this.merged };
  }

  onReady(): void {
    this.connection.keep(this.kept());
    void this.model.then(
      () => (this.gone ? this.post({ type: 'error', text: this.gone }) : this.load(this.layer ?? 0, this.merged)),
      () => undefined,
    );
  }

  update(state: PanelState): void {
    if (state.kind === 'layerFiles' && state.layer !== undefined && state.layer !== this.layer) this.select(state.layer, this.merged);
  }

  /** Moves to a layer the image has (the page's picker, or the command run on another layer). */
  private select(layer: number, merged: boolean): void {
    void this.model.then((model) => {
      if (Number.isInteger(layer) && layer >= 0 && layer < model.diffIds.length) void this.load(layer, merged);
    }, () => undefined);
  }

  onMessage(m: FromPage): void {
    switch (m.type) {
      case 'select':
        this.select(m.layer, m.merged === true);
        break;
      case 'children':
        if (this.tree) this.post({ type: 'children', ...this.childrenPage(String(m.path ?? ''), Math.max(0, Number(m.offset) || 0)) });
        break;
      case 'filter':
        this.sendMatches(String(m.query ?? ''));
        break;
      case 'file':
        void this.fileAction(m);
        break;
    }
  }

  /** A file row's action, as of the layer shown; a path this layer removed is read from the layer below. */
  private async fileAction(m: FromPage): Promise<void> {
    const request = fileRequest(m);
    const model = await this.model.catch(() => undefined);
    if (!request || !model || this.layer === undefined) return;
    const removed = this.tree ? findNode(this.tree, request.path)?.change === 'removed' : false;
    const layer = removed ? this.layer - 1 : this.layer;
    if (layer < 0) return;
    await runFileAction(request.action, { imageId: model.imageId, layer, path: request.path, ref: this.ref }, this.files);
  }

  /**
   * The backend's images changed: a removed image is said in the status line (its files stay shown), an image
   * that now has another ID is read again, an unchanged one stays as it is (its page, scroll and open folders).
   */
  refresh(): void {
    void this.check();
  }

  private async check(): Promise<void> {
    let shown: FilesModel;
    try {
      shown = await this.model;
    } catch {
      return; // it never opened: the page has only the sentence of what went wrong
    }
    const catalog = await this.catalog();
    const id = await catalog.inspect(this.ref).then(
      (i) => i.Id,
      (e: unknown) => (BackendError.is(e, 'not-found') ? undefined : shown.imageId),
    );
    if (id === undefined) {
      this.running?.abort();
      this.gone = `${this.ref} is no longer among the images: it was removed or untagged. The files shown are those it had.`;
      this.post({ type: 'error', text: this.gone });
      return;
    }
    if (id === shown.imageId && !this.gone) return;
    this.gone = undefined;
    this.model = this.readModel();
    await this.model.then(() => this.load(this.layer ?? 0, this.merged), (e: unknown) => this.post({ type: 'error', text: loggedMessage(e, panelTitle(this.state)) }));
  }

  private post(message: Sequenced<ToPage>): void {
    this.connection.post({ ...message, seq: this.seq } as ToPage);
  }

  private async load(layer: number, merged: boolean): Promise<void> {
    this.running?.abort();
    const mine = new AbortController();
    this.running = mine;
    this.layer = layer;
    this.merged = merged;
    const seq = ++this.seq;
    this.tree = undefined;
    this.connection.keep(this.kept());
    try {
      const model = await this.model;
      this.post({ type: 'loading', layer, merged, text: `Reading layer ${layer + 1} of ${model.diffIds.length}${layer > 0 ? ' and the layers below' : ''}…` });
      const backend = (await this.catalog()).backend;
      const diffIds = model.diffIds.slice(0, layer + 1);
      // Files are opened from here, so a read keeps the layers on disk; lists a report read already are shown at
      // once, and the first file opened reads the layers again with the copy kept (image-files.ts).
      const keepTar = !diffIds.every((d) => layerContentsCache().get(d));
      const contents = await withProgress(`Reading layers of ${this.ref}`, ({ signal, onProgress }) =>
        readImageLayers(backend, this.ref, diffIds, layerContentsCache(), { signal: AbortSignal.any([signal, mine.signal]), onProgress, keepTar }),
      );
      if (seq !== this.seq) return;
      const entries = contents.map((c) => c.entries);
      const tree = merged ? mergeLayers(entries) : layerTree(entries[layer], layer > 0 ? mergeLayers(entries.slice(0, layer)) : undefined);
      this.tree = tree;
      const step = model.steps.find((s) => s.layerIndex === layer);
      this.post({
        type: 'tree',
        layer,
        merged,
        step: step ? layerLabel(step) : `Layer ${layer + 1}`,
        layers: model.steps.map((s) => ({ value: s.layerIndex ?? 0, label: layerLabel(s) })),
        counts: countsText(tree.counts, merged),
        changes: { added: tree.counts.added, modified: tree.counts.modified, removed: tree.counts.removed },
        warnings: contents.flatMap((c, i) => (c.truncated ? [`Layer ${i + 1}: ${c.truncated}`] : [])),
        skipped: contents[layer]?.skipped ?? 0,
        ...this.childrenPage('', 0),
      });
    } catch (e) {
      if (seq !== this.seq) return;
      this.post({ type: 'error', text: BackendError.is(e, 'cancelled') ? 'Cancelled. Pick the layer again to retry.' : loggedMessage(e, panelTitle(this.state)) });
    } finally {
      if (this.running === mine) this.running = undefined;
    }
  }

  private childrenPage(path: string, offset: number): ChildrenPage {
    const node = this.tree ? findNode(this.tree, path) : undefined;
    const kids = node ? sortedChildren(node) : [];
    return { path, offset, rows: kids.slice(offset, offset + PAGE_SIZE).map((n) => fileRow(n)), total: kids.length };
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
  }
}
