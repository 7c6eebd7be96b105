// The Inspect, History and Compare panels: HTML made here (html.ts escapes every value from the image) and
// posted to the page, which patches it in place; a refresh posts the new content the same way.
import * as vscode from 'vscode';
import { loggedMessage } from '../log';
import { copiedValue, formatJsonPath, parseJsonPath, valueAt } from '../../core/json-path';
import type { ImageCatalog } from '../../backend/catalog';
import { stepsOf } from '../../backend/catalog';
import { compareLayers } from '../../core/compare';
import { diffTrees, type FileDiff } from '../../core/filediff';
import { mergeLayers } from '../../core/filetree';
import type { ImageInspect } from '../../core/model';
import { compareBody, compareFilesSection } from './compare-view';
import { historyBody } from './history-view';
import { html, type Html } from './html';
import { inspectBody } from './inspect-view';
import type { PanelConnection } from './panel-connection';
import { panelTitle, type PanelController } from './panel-host';
import type { FromPage, PanelState } from './protocol';
import { fileRequest, runFileAction, type FileTarget } from '../files/file-actions';
import type { ImageFileSystemProvider } from '../files/image-fs-provider';

type ImageState = Extract<PanelState, { kind: 'inspect' | 'history' | 'compare' }>;

export class ImagePanel implements PanelController {
  /** The latest content, posted again whenever the page reloads. */
  private content: string | undefined;
  /** The latest render: a slower earlier one does not overwrite it. */
  private renders = 0;
  private readonly closed = new AbortController();
  /** Inspect: the JSON shown, which the page's Copy buttons name paths into. */
  private inspected: ImageInspect | undefined;
  /** The two images compared (their IDs and top layers), once read: where a file row's actions read from. */
  private compared: { a: FileTarget; b: FileTarget } | undefined;

  constructor(
    private readonly connection: PanelConnection,
    private readonly state: ImageState,
    private readonly catalog: () => Promise<ImageCatalog>,
    private readonly files: ImageFileSystemProvider,
  ) {
    void this.render();
  }

  async body(): Promise<Html> {
    return html`<h1>${panelTitle(this.state)}</h1><p class="dim">Reading…</p>`;
  }

  onReady(): void {
    this.connection.keep(this.state);
    if (this.content !== undefined) this.connection.post({ type: 'render', html: this.content });
  }

  /** Asked again (the command run on the same image): read again, as a refresh. */
  update(): void {
    void this.render();
  }

  refresh(): void {
    void this.render();
  }

  /** Inspect's Copy and Open as JSON; a Compare file row's action, on the image its side names (`diffOther` puts
   * the first image on the left). */
  onMessage(m: FromPage): void {
    if (this.state.kind === 'compare') {
      const request = fileRequest(m);
      if (!request || !this.compared) return;
      const at = (t: FileTarget): FileTarget => ({ ...t, path: request.path });
      const { a, b } = this.compared;
      if (request.action === 'diffOther') void runFileAction('diffOther', at(a), this.files, at(b));
      else void runFileAction(request.action, at(request.side === 'b' ? b : a), this.files);
      return;
    }
    if (this.state.kind !== 'inspect') return;
    if (m.type === 'openJson') {
      void vscode.commands.executeCommand('imageLayers.openInspectJson', this.state.ref);
      return;
    }
    if (m.type !== 'copy' || !this.inspected) return;
    const path = parseJsonPath(m.path);
    const value = path && valueAt(this.inspected, path);
    if (!path || value === undefined) return;
    const text = m.what === 'path' ? formatJsonPath(path) : copiedValue(value);
    void vscode.env.clipboard.writeText(text).then(() => vscode.window.setStatusBarMessage(`Copied ${m.what === 'path' ? text : `the value of ${formatJsonPath(path)}`}`, 3000));
  }

  private async render(): Promise<void> {
    const mine = ++this.renders;
    const show = (body: Html) => {
      if (mine !== this.renders || this.closed.signal.aborted) return;
      this.content = body.value;
      this.connection.post({ type: 'render', html: body.value });
    };
    try {
      const catalog = await this.catalog();
      const read = async (ref: string) => {
        const inspect = await catalog.inspect(ref);
        return { ...(await catalog.detailsOf(inspect.Id)), inspect };
      };
      if (this.state.kind !== 'compare') {
        const d = await read(this.state.ref);
        if (mine === this.renders) this.inspected = d.inspect;
        show(this.state.kind === 'inspect' ? inspectBody(this.state.ref, d.inspect) : historyBody(this.state.ref, d.inspect, d.history, stepsOf(d)));
        return;
      }
      const { a: refA, b: refB } = this.state;
      const [a, b] = await Promise.all([read(refA), read(refB)]);
      const layers = compareLayers(stepsOf(a), stepsOf(b));
      const top = (ref: string, inspect: ImageInspect): FileTarget => ({ imageId: inspect.Id, layer: Math.max(0, (inspect.RootFS?.Layers?.length ?? 1) - 1), path: '', ref });
      this.compared = { a: top(refA, a.inspect), b: top(refB, b.inspect) };
      // The layers at once on first open; a refresh keeps the files shown until the new ones are read.
      if (this.content === undefined) show(compareBody(refA, a.inspect, refB, b.inspect, layers));
      const files = await this.compareFiles(catalog, [refA, a.inspect], [refB, b.inspect]).then(
        (diff) => compareFilesSection(refA, refB, diff),
        (e: unknown) => compareFilesSection(refA, refB, loggedMessage(e, panelTitle(this.state))),
      );
      show(compareBody(refA, a.inspect, refB, b.inspect, layers, files));
    } catch (e) {
      show(html`<h1>${panelTitle(this.state)}</h1><p class="error">${loggedMessage(e, panelTitle(this.state))}</p>`);
    }
  }

  /** Reads every layer of both images (shared layers once, through the layer cache) and compares the results. */
  private async compareFiles(catalog: ImageCatalog, ...images: [string, ImageInspect][]): Promise<FileDiff> {
    // Loaded here, not at activation: the layer reader brings tar-stream with it.
    const { readImageLayers, layerContentsCache } = await import('../../backend/layer-contents');
    const trees = [];
    for (const [ref, inspect] of images) {
      const contents = await readImageLayers(catalog.backend, ref, inspect.RootFS?.Layers ?? [], layerContentsCache(), { signal: this.closed.signal, hashContents: true, keepTar: true });
      trees.push(mergeLayers(contents.map((c) => c.entries)));
    }
    return diffTrees(trees[0], trees[1]);
  }

  dispose(): void {
    this.closed.abort();
  }
}
