// Keeps the views current: follows the backend's event stream, debounced, and polls where there is none. When an
// engine's stream is lost (the engine stopped), the views refresh at once to say so, then poll slowly until the
// stream is open again, when they refresh once more and come back by themselves.
import * as vscode from 'vscode';
import type { ImageBackend } from '../backend/backend';
import type { ImageWatch, WatchState } from '../backend/watch';

const DEBOUNCE_MS = 400;

export class RefreshScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private watcher: ImageWatch | undefined;

  constructor(
    private readonly refresh: () => void,
    private readonly onWatchState: (s: WatchState) => void = () => undefined,
  ) {}

  follow(backend: ImageBackend): void {
    this.stop();
    this.watcher = backend.watch(
      () => this.soon(),
      (s) => this.watchStateChanged(s),
    );
    if (!this.watcher) this.startPoll();
  }

  /** Settles once the backend's changes reach the views (undefined: no watch, the views poll). */
  get ready(): Promise<void> | undefined {
    return this.watcher?.ready;
  }

  /** Many events in a burst (a pull, a prune) make one refresh. */
  soon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.refresh, DEBOUNCE_MS);
  }

  private watchStateChanged(s: WatchState): void {
    if (s.state === 'lost') this.startPoll();
    else this.stopPoll();
    this.refresh();
    this.onWatchState(s);
  }

  private startPoll(): void {
    this.stopPoll();
    const seconds = vscode.workspace.getConfiguration('imageLayers').get<number>('pollSeconds', 30);
    if (seconds > 0) this.poll = setInterval(() => this.refresh(), seconds * 1000);
  }

  private stopPoll(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }

  private stop(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    this.stopPoll();
  }

  dispose(): void {
    this.stop();
    clearTimeout(this.timer);
  }
}
