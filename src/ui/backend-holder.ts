// Holds the backend the settings choose, opens a new one when they change, and tells the views.
import * as vscode from 'vscode';
import type { ImageBackend } from '../backend/backend';
import { CAPABILITY_NAMES } from '../backend/capabilities';
import { limits } from '../backend/limits';
import type { RegistryClient } from '../backend/registry/registry-client';
import { openBackend, type BackendChoice } from '../backend/select';
import { chooseStorePath, type StorePathAnswer } from './store-path-choice';

const STORE_PATH_ANSWER = 'imageLayers.storePathAnswer';

/** The store's free-space margin (space-guard.ts) from its setting, in megabytes. */
function applyFreeSpaceMargin(): void {
  const mb = vscode.workspace.getConfiguration('imageLayers').get<number>('freeSpaceMargin', 512);
  limits.freeSpaceMarginBytes = Math.max(0, Number.isFinite(mb) ? mb : 512) * 1024 * 1024;
}

/** `imageLayers.can.<capability>` for every capability, true where the backend declares it: the menus' `when` keys. */
function setCapabilityKeys(backend: ImageBackend): void {
  for (const name of CAPABILITY_NAMES) {
    void vscode.commands.executeCommand('setContext', `imageLayers.can.${name}`, backend.capabilities[name] !== undefined);
  }
}

export type ViewState = 'loading' | 'ready' | 'empty' | 'unreachable';

export class BackendHolder implements vscode.Disposable {
  private current: Promise<ImageBackend> | undefined;
  private opened: ImageBackend | undefined;
  private readonly changed = new vscode.EventEmitter<ImageBackend>();
  /** Fires when a new backend replaces the old one. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  fallbackReason: string | undefined;
  /** The workspace store path a question is showing for. */
  private asking: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly registry?: RegistryClient,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('imageLayers.freeSpaceMargin')) applyFreeSpaceMargin();
        if (
          e.affectsConfiguration('imageLayers.backend') ||
          e.affectsConfiguration('imageLayers.storePath') ||
          e.affectsConfiguration('imageLayers.dockerHost') ||
          e.affectsConfiguration('imageLayers.dockerContext')
        ) {
          this.reopen();
        }
      }),
    );
  }

  get(): Promise<ImageBackend> {
    if (!this.current) this.current = this.open();
    return this.current;
  }

  /** The backend if one is open already; never opens one. */
  peek(): ImageBackend | undefined {
    return this.opened;
  }

  reopen(): void {
    this.opened?.dispose();
    this.opened = undefined;
    this.current = undefined;
    void this.get().then((b) => this.changed.fire(b));
  }

  setState(state: ViewState): void {
    void vscode.commands.executeCommand('setContext', 'imageLayers.state', state);
  }

  /** The store folder the user agreed to (store-path-choice.ts); asks, without waiting, about a workspace's. */
  private storePath(config: vscode.WorkspaceConfiguration): string {
    const answers = this.context.workspaceState;
    const choice = chooseStorePath(config.inspect<string>('storePath'), answers.get<StorePathAnswer>(STORE_PATH_ANSWER));
    if ('ask' in choice && this.asking !== choice.ask) {
      const asked = (this.asking = choice.ask);
      const useIt = vscode.l10n.t('Use It');
      const question = vscode.l10n.t(
        "This workspace's settings point the built-in image store at {0}. Use that folder as your image store? Agree only if you trust this workspace.",
        asked,
      );
      // Not modal, and the views open meanwhile on the user's own store; a dismissed question is asked again next time.
      void vscode.window.showWarningMessage(question, useIt, vscode.l10n.t('Keep My Store')).then(async (pick) => {
        this.asking = undefined;
        if (!pick) return;
        await answers.update(STORE_PATH_ANSWER, { path: asked, allowed: pick === useIt } satisfies StorePathAnswer);
        if (pick === useIt) this.reopen();
      });
    }
    return choice.use || vscode.Uri.joinPath(this.context.globalStorageUri, 'store').fsPath;
  }

  private async open(): Promise<ImageBackend> {
    const config = vscode.workspace.getConfiguration('imageLayers');
    applyFreeSpaceMargin();
    const storePath = this.storePath(config);
    const opened = await openBackend({
      backend: config.get<BackendChoice>('backend', 'auto'),
      storePath,
      dockerHost: config.get<string>('dockerHost') ?? '',
      dockerContext: config.get<string>('dockerContext') ?? '',
      registry: this.registry,
    });
    this.opened = opened.backend;
    this.fallbackReason = opened.fallbackReason;
    setCapabilityKeys(opened.backend);
    return opened.backend;
  }

  dispose(): void {
    this.opened?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
