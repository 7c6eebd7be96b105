// One host for every panel (Inspect, History, Compare, Layer Files, Wasted Space, Layer Map): opens one panel per image and
// kind (reusing it when asked again), brings panels back after a window reload from the state their page kept
// (the serializer's state argument), and passes a refresh to each panel, whose page re-renders in place.
import * as vscode from 'vscode';
import type { ImageCatalog } from '../../backend/catalog';
import type { ImageFileSystemProvider } from '../files/image-fs-provider';
import { COMPARE_SEPARATOR } from './compare-view';
import { page, type Html } from './html';
import { PanelConnection } from './panel-connection';
import { parsePanelState, type FromPage, type PageProbe, type ProbeAction, type PanelKind, type PanelState } from './protocol';

const TITLES: Record<PanelKind, string> = {
  inspect: 'Inspect',
  history: 'History',
  compare: 'Compare',
  layerFiles: 'Layer Files',
  wastedSpace: 'Wasted Space',
  packages: 'Packages',
  layerMap: 'Layer Map',
};

/** What the tab says: the kind and the image (for a comparison, `A ↔ B`; the Layer Map, one for all, none). */
export function panelTitle(state: PanelState): string {
  if (state.kind === 'layerMap') return TITLES.layerMap;
  return `${TITLES[state.kind]} ${state.kind === 'compare' ? state.a + COMPARE_SEPARATOR + state.b : state.ref}`;
}

/** One panel per image and kind; Layer Files on another layer is the same panel; one Layer Map, whatever it shows. */
function panelKey(state: PanelState): string {
  if (state.kind === 'layerMap') return JSON.stringify([state.kind]);
  return JSON.stringify([state.kind, state.kind === 'compare' ? [state.a, state.b] : state.ref]);
}

/** What a panel of one kind does with its page. */
export interface PanelController extends vscode.Disposable {
  /** The first content of the page, before the handshake (the page then gets the rest by messages). */
  body(): Promise<Html>;
  /** The page (re)loaded: post everything it shows. */
  onReady(): void;
  onMessage?(m: FromPage): void;
  /** Asked to show again, e.g. on another layer. */
  update?(state: PanelState): void;
  /** The backend's images may have changed. */
  refresh(): void;
}

/** Stylesheets a kind adds to webview.css. */
const STYLES: Partial<Record<PanelKind, string[]>> = {
  layerFiles: ['layer-files.css'],
  wastedSpace: ['layer-files.css'],
  layerMap: ['layer-map.css'],
};

interface OpenPanel {
  panel: vscode.WebviewPanel;
  connection: PanelConnection;
  controller: Promise<PanelController>;
}

export class PanelHost implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly catalog: () => Promise<ImageCatalog>,
    /** Reads the files a panel's rows open, diff and save. */
    private readonly files: ImageFileSystemProvider,
  ) {}

  /** Opens (or reveals) the panel showing `state`; settles once its page is set. */
  async show(state: PanelState): Promise<vscode.WebviewPanel> {
    const open = this.open.get(panelKey(state));
    if (open) {
      open.panel.reveal();
      (await open.controller).update?.(state);
      return open.panel;
    }
    const panel = vscode.window.createWebviewPanel(`imageLayers.${state.kind}`, panelTitle(state), vscode.ViewColumn.Active, this.options());
    await this.attach(panel, state);
    return panel;
  }

  /** Reopens a panel a reload closed, on what its page kept (the serializer of `viewType` hands it over). */
  async revive(viewType: string, panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    const state = parsePanelState(saved);
    // One panel of each kind per image: a second one of the same is not brought back.
    if (!state || `imageLayers.${state.kind}` !== viewType || this.open.has(panelKey(state))) return panel.dispose();
    panel.webview.options = this.options();
    await this.attach(panel, state);
  }

  /** Every open panel checks its image again, e.g. after a refresh or an event from the backend. */
  refreshAll(): void {
    for (const { controller } of this.open.values()) void controller.then((c) => c.refresh(), () => undefined);
  }

  /** What the page titled `title` shows, read from the page itself (for tests). */
  async probe(title: string, act?: ProbeAction): Promise<PageProbe | undefined> {
    const open = [...this.open.values()].find((o) => o.panel.title === title);
    return open?.connection.probe(act);
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    };
  }

  private async attach(panel: vscode.WebviewPanel, state: PanelState): Promise<void> {
    const key = panelKey(state);
    const connection = new PanelConnection(panel);
    const controller = this.controllerFor(state, connection);
    const entry: OpenPanel = { panel, connection, controller };
    this.open.set(key, entry);
    panel.onDidDispose(() => {
      if (this.open.get(key) === entry) this.open.delete(key);
      connection.dispose();
      void controller.then((c) => c.dispose(), () => undefined);
    });
    const c = await controller;
    connection.onReady(() => c.onReady());
    connection.onMessage((m) => c.onMessage?.(m));
    const body = await c.body();
    try {
      panel.webview.html = page(panel.webview, this.extensionUri, {
        title: panelTitle(state),
        body,
        state,
        script: vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'panel.js'),
        styles: STYLES[state.kind] ?? [],
      });
    } catch {
      // closed while its first content was read
    }
  }

  /** Layer Files and Wasted Space load on first use: they bring the layer reader (and tar-stream) with them. */
  private async controllerFor(state: PanelState, connection: PanelConnection): Promise<PanelController> {
    switch (state.kind) {
      case 'layerFiles':
        return new (await import('./layer-files-panel')).LayerFilesPanel(connection, state, this.catalog, this.files);
      case 'wastedSpace':
        return new (await import('./wasted-space-panel')).WastedSpacePanel(connection, state, this.catalog, this.files);
      case 'packages':
        return new (await import('./image-report-panel')).ImageReportPanel(connection, state, this.catalog, (await import('./packages-panel')).PACKAGES);
      case 'layerMap':
        return new (await import('./layer-map-panel')).LayerMapPanel(connection, state, this.catalog);
      default:
        return new (await import('./image-panel')).ImagePanel(connection, state, this.catalog, this.files);
    }
  }

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
  }
}
