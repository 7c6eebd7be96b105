// The extension's end of one panel's page: typed posts, the `ready` handshake, and the page's replies to probes.
import * as vscode from 'vscode';
import type { FromPage, PageProbe, ProbeAction, PanelState, ToPage } from './protocol';

/** How long a probe waits for the page (a hidden page has no script running to answer). */
const PROBE_MS = 5_000;

export class PanelConnection implements vscode.Disposable {
  /** The page has said `ready` and is still alive: a hidden panel's page is dropped (no retained context). */
  private ready = false;
  private nextProbe = 0;
  private readonly probes = new Map<number, (probe: PageProbe) => void>();
  private readonly ready$ = new vscode.EventEmitter<void>();
  private readonly message$ = new vscode.EventEmitter<FromPage>();
  private readonly subscriptions: vscode.Disposable[];
  /** The page loaded (first open, or shown again after it was hidden): it needs everything it shows. */
  readonly onReady = this.ready$.event;
  /** The page's own requests (select a layer, a directory's children, a filter). */
  readonly onMessage = this.message$.event;

  constructor(readonly panel: vscode.WebviewPanel) {
    this.subscriptions = [
      panel.webview.onDidReceiveMessage((m: FromPage) => this.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      this.ready$,
      this.message$,
    ];
  }

  private receive(m: FromPage): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'ready') {
      this.ready = true;
      this.ready$.fire();
    } else if (m.type === 'probed') {
      this.probes.get(m.id)?.(m.probe);
    } else {
      this.message$.fire(m);
    }
  }

  /** Posts to the page once it is ready; before that the message is dropped, since `onReady` sends it all again. */
  post(message: ToPage): void {
    if (this.ready) this.send(message);
  }

  private send(message: ToPage): void {
    this.panel.webview.postMessage(message).then(undefined, () => undefined); // a panel closed meanwhile
  }

  /** Hands the page the state to keep for a reload. */
  keep(state: PanelState): void {
    this.post({ type: 'state', state });
  }

  /** What the page shows now (for tests): its rendered text, kept state and scroll position. */
  probe(act?: ProbeAction): Promise<PageProbe> {
    const id = ++this.nextProbe;
    const ask = () => this.send({ type: 'probe', id, act });
    return new Promise<PageProbe>((resolve, reject) => {
      const waiting = this.ready ? undefined : this.onReady(ask);
      const done = () => {
        clearTimeout(timer);
        waiting?.dispose();
        this.probes.delete(id);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the page of "${this.panel.title}" did not answer`));
      }, PROBE_MS);
      this.probes.set(id, (probe) => {
        done();
        resolve(probe);
      });
      if (this.ready) ask();
    });
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
