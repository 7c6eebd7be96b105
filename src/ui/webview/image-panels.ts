// Opens one panel per image and kind (inspect, history; compare: per pair of images, `A ↔ B`), reusing it when
// asked again, and brings them back after a window reload: VS Code keeps a restored panel's title, and the title
// names the kind and the image.
import * as vscode from 'vscode';
import { BackendError } from '../../backend/backend';
import type { ImageCatalog } from '../../backend/catalog';
import { html, page } from './html';
import { inspectBody } from './inspect-view';
import { historyBody } from './history-view';
import { compareBody, COMPARE_SEPARATOR } from './compare-view';
import { compareLayers } from '../../core/compare';
import { layerSteps } from '../../core/layers';

export type PanelKind = 'inspect' | 'history' | 'compare';

const TITLES: Record<PanelKind, string> = { inspect: 'Inspect', history: 'History', compare: 'Compare' };

/** The panel key of a comparison of two images. */
export function compareRef(a: string, b: string): string {
  return `${a}${COMPARE_SEPARATOR}${b}`;
}

export class ImagePanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

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
    let body;
    try {
      body = await this.body(kind, ref, catalog);
    } catch (e) {
      const message = BackendError.is(e) ? e.message : String((e as Error)?.message ?? e);
      body = html`<h1>${title}</h1><p class="error">${message}</p>`;
    }
    panel.webview.html = page(panel.webview, this.extensionUri, { title, body });
  }

  private async body(kind: PanelKind, ref: string, catalog: ImageCatalog) {
    const read = async (r: string) => {
      const inspect = await catalog.inspect(r);
      return { inspect, history: (await catalog.detailsOf(inspect.Id)).history };
    };
    if (kind === 'compare') {
      const [refA, refB] = ref.split(COMPARE_SEPARATOR);
      const [a, b] = await Promise.all([read(refA), read(refB ?? '')]);
      return compareBody(refA, a.inspect, refB, b.inspect, compareLayers(layerSteps(a.inspect, a.history), layerSteps(b.inspect, b.history)));
    }
    const { inspect, history } = await read(ref);
    return kind === 'inspect' ? inspectBody(ref, inspect) : historyBody(ref, inspect, history);
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}
