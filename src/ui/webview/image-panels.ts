// Opens one panel per image and kind (inspect, history; compare: per pair of images, `A ↔ B`), reusing it when
// asked again, and brings them back after a window reload: VS Code keeps a restored panel's title, and the title
// names the kind and the image.
import * as vscode from 'vscode';
import { userMessage } from '../../backend/backend';
import { stepsOf, type ImageCatalog } from '../../backend/catalog';
import { html, page, type Html } from './html';
import { inspectBody } from './inspect-view';
import { historyBody } from './history-view';
import { compareBody, compareFilesSection, COMPARE_SEPARATOR } from './compare-view';
import { compareLayers } from '../../core/compare';
import { diffTrees, type FileDiff } from '../../core/filediff';
import { mergeLayers } from '../../core/filetree';
import type { ImageInspect } from '../../core/model';

export type PanelKind = 'inspect' | 'history' | 'compare';

const TITLES: Record<PanelKind, string> = { inspect: 'Inspect', history: 'History', compare: 'Compare' };

/** The panel key of a comparison of two images. */
export function compareRef(a: string, b: string): string {
  return `${a}${COMPARE_SEPARATOR}${b}`;
}

export class ImagePanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  /** The latest render of each panel, so that a slow earlier one does not overwrite it. */
  private readonly renders = new WeakMap<vscode.WebviewPanel, number>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  async show(kind: PanelKind, ref: string, catalog: ImageCatalog): Promise<vscode.WebviewPanel> {
    let panel = this.panels.get(`${kind}:${ref}`);
    if (panel) {
      panel.reveal();
    } else {
      panel = vscode.window.createWebviewPanel(`imageLayers.${kind}`, `${TITLES[kind]} ${ref}`, vscode.ViewColumn.Active, this.options());
      this.adopt(panel, kind, ref);
    }
    await this.render(panel, kind, ref, catalog);
    return panel;
  }

  /** Serializers that reopen the panels a reload closed, rendered from the current backend. */
  registerRestore(catalog: () => Promise<ImageCatalog>): vscode.Disposable[] {
    return (Object.keys(TITLES) as PanelKind[]).map((kind) =>
      vscode.window.registerWebviewPanelSerializer(`imageLayers.${kind}`, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
          const prefix = `${TITLES[kind]} `;
          const ref = panel.title.startsWith(prefix) ? panel.title.slice(prefix.length) : '';
          if (!ref) return panel.dispose();
          panel.webview.options = this.options();
          this.adopt(panel, kind, ref);
          await this.render(panel, kind, ref, await catalog());
        },
      }),
    );
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: false, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')] };
  }

  private adopt(panel: vscode.WebviewPanel, kind: PanelKind, ref: string): void {
    const key = `${kind}:${ref}`;
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
  }

  /** Re-renders every open panel, e.g. after a refresh. */
  async refreshAll(catalog: ImageCatalog): Promise<void> {
    await Promise.all(
      [...this.panels].map(([key, panel]) => {
        const [kind, ...rest] = key.split(':');
        return this.render(panel, kind as PanelKind, rest.join(':'), catalog);
      }),
    );
  }

  private async render(panel: vscode.WebviewPanel, kind: PanelKind, ref: string, catalog: ImageCatalog) {
    const title = `${TITLES[kind]} ${ref}`;
    const mine = (this.renders.get(panel) ?? 0) + 1;
    this.renders.set(panel, mine);
    const show = (body: Html) => {
      // A later render (a refresh) wins over a slower earlier one; a closed panel takes nothing.
      if (this.renders.get(panel) !== mine) return;
      try {
        panel.webview.html = page(panel.webview, this.extensionUri, { title, body });
      } catch {
        // disposed meanwhile
      }
    };
    try {
      const shown = await this.body(kind, ref, catalog);
      show(shown.body);
      if (shown.files) show(await shown.files(panel));
    } catch (e) {
      const message = userMessage(e);
      show(html`<h1>${title}</h1><p class="error">${message}</p>`);
    }
  }

  /** The page, and for a comparison a second, fuller page once the files of both images are read. */
  private async body(kind: PanelKind, ref: string, catalog: ImageCatalog): Promise<{ body: Html; files?: (panel: vscode.WebviewPanel) => Promise<Html> }> {
    const read = async (r: string) => {
      const inspect = await catalog.inspect(r);
      return { ...(await catalog.detailsOf(inspect.Id)), inspect };
    };
    if (kind === 'compare') {
      const [refA, refB] = ref.split(COMPARE_SEPARATOR);
      const [a, b] = await Promise.all([read(refA), read(refB ?? '')]);
      const layers = compareLayers(stepsOf(a), stepsOf(b));
      const files = async (panel: vscode.WebviewPanel) => {
        const section = await this.compareFiles(panel, catalog, [refA, a.inspect], [refB, b.inspect]).then(
          (diff) => compareFilesSection(refA, refB, diff),
          (e: unknown) => compareFilesSection(refA, refB, userMessage(e)),
        );
        return compareBody(refA, a.inspect, refB, b.inspect, layers, section);
      };
      return { body: compareBody(refA, a.inspect, refB, b.inspect, layers), files };
    }
    const details = await read(ref);
    return { body: kind === 'inspect' ? inspectBody(ref, details.inspect) : historyBody(ref, details.inspect, details.history, stepsOf(details)) };
  }

  /** Reads every layer of both images (shared layers once, through the layer cache) and compares the results. */
  private async compareFiles(panel: vscode.WebviewPanel, catalog: ImageCatalog, ...images: [string, ImageInspect][]): Promise<FileDiff> {
    // Loaded here, not at activation: the layer reader brings tar-stream with it.
    const { readImageLayers, layerContentsCache } = await import('../../backend/layer-contents');
    const stop = new AbortController();
    const closed = panel.onDidDispose(() => stop.abort());
    try {
      const trees = [];
      for (const [ref, inspect] of images) {
        const contents = await readImageLayers(catalog.backend, ref, inspect.RootFS?.Layers ?? [], layerContentsCache(), { signal: stop.signal });
        trees.push(mergeLayers(contents.map((c) => c.entries)));
      }
      return diffTrees(trees[0], trees[1]);
    } finally {
      closed.dispose();
    }
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}
