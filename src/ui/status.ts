// A status bar item naming the backend the views show.
import * as vscode from 'vscode';
import type { ImageSource } from '../backend/backend';

export class BackendStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('imageLayers.backend', vscode.StatusBarAlignment.Left, 0);

  constructor() {
    this.item.name = 'Image Layers Backend';
    this.item.command = 'imageLayers.switchBackend';
  }

  show(backend: ImageSource, fallbackReason?: string): void {
    this.item.text = `$(layers) ${backend.displayName}`;
    this.item.tooltip = fallbackReason
      ? `Images from the built-in store: ${fallbackReason}\nClick to switch.`
      : `Images from ${backend.displayName}. Click to switch.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
