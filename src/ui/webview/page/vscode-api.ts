// The webview's handle on VS Code, typed with the panel messages (the page's side of protocol.ts).
import type { FromPage, PanelState } from '../protocol';

interface VsCodeApi {
  postMessage(message: FromPage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

// Provided by VS Code in every webview that has scripts enabled; callable once per page.
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();
