// Keeps the views current: follows the backend's event stream, debounced, and polls where there is none.
import * as vscode from 'vscode';
import type { Disposable, ImageBackend } from '../backend/backend';

const DEBOUNCE_MS = 400;

export class RefreshScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private watcher: Disposable | undefined;

  constructor(private readonly refresh: () => void) {}

  follow(backend: ImageBackend): void {
    this.stop();
    this.watcher = backend.watch(() => this.soon());
    if (!this.watcher) {
      const seconds = vscode.workspace.getConfiguration('imageLayers').get<number>('pollSeconds', 30);
      if (seconds > 0) this.poll = setInterval(() => this.refresh(), seconds * 1000);
    }
  }

  /** Many events in a burst (a pull, a prune) make one refresh. */
  soon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.refresh, DEBOUNCE_MS);
  }

  private stop(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    clearInterval(this.poll);
    this.poll = undefined;
  }

  dispose(): void {
    this.stop();
    clearTimeout(this.timer);
  }
}
