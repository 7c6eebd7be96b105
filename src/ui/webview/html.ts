// The one place webview HTML is made: a strict Content-Security-Policy with a nonce, and escaping of every
// string, since image metadata (labels, tags, history) comes from strangers.
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import type { PanelState } from './protocol';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A tagged template that escapes every interpolated value unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new Html(out);
}

function render(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(v);
}

export interface PageOptions {
  title: string;
  /** The first content; the page script patches later content into it. */
  body: Html;
  /** What the panel shows, for the page to keep with setState from its first moment. */
  state: PanelState;
  /** The page script (bundled by esbuild from page/), loaded with the page's nonce. */
  script: vscode.Uri;
  /** Stylesheets beyond webview.css, from media/. */
  styles?: string[];
}

export function page(webview: vscode.Webview, extensionUri: vscode.Uri, options: PageOptions): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', file)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const styles = ['webview.css', ...(options.styles ?? [])].map((s) => html`<link rel="stylesheet" href="${media(s)}">`);
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
<title>${options.title}</title>
</head>
<body data-state="${JSON.stringify(options.state)}">
<main id="content">${options.body}</main>
<script nonce="${nonce}" src="${webview.asWebviewUri(options.script).toString()}"></script>
</body>
</html>`.value;
}
