// A status bar item naming the backend the views show, and saying when its engine is gone and when it is back.
import * as vscode from 'vscode';
import type { ImageSource } from '../backend/backend';
import type { WatchState } from '../backend/watch';

export class BackendStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('imageLayers.backend', vscode.StatusBarAlignment.Left, 0);
  private name = '';

  constructor() {
    this.item.name = 'Image Layers Backend';
    this.item.command = 'imageLayers.switchBackend';
  }

  show(backend: ImageSource, fallbackReason?: string): void {
    this.name = backend.displayName;
    this.item.text = `$(layers) ${this.name}`;
    this.item.backgroundColor = undefined;
    this.item.tooltip = fallbackReason
      ? `Images from the built-in store: ${fallbackReason}\nClick to switch.`
      : `Images from ${this.name}. Click to switch.`;
    this.item.show();
  }

  /** The engine's event stream went (the engine stopped) or came back. */
  showWatch(s: WatchState): void {
    if (s.state === 'lost') {
      this.item.text = `$(debug-disconnect) ${this.name}: gone`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      this.item.tooltip = `${s.error.message}\nThe views come back by themselves when the engine does. Click to switch.`;
    } else {
      this.item.text = `$(layers) ${this.name}`;
      this.item.backgroundColor = undefined;
      this.item.tooltip = `Images from ${this.name}, back since ${new Date().toLocaleTimeString()}. Click to switch.`;
      vscode.window.setStatusBarMessage(`$(check) ${this.name} is back`, 5000);
    }
  }

  /** What the item says (for the extension's own tests). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
