// Text from strangers (labels, tags, history) into hovers and tooltips: markdown syntax and HTML both escaped,
// so a label can neither link nor inject markup.
import type * as vscode from 'vscode';

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

export function appendPlain(md: vscode.MarkdownString, text: string): vscode.MarkdownString {
  // Named entities survive appendText, which escapes markdown punctuation but not '&', ';' or letters.
  return md.appendText(text.replace(/[<>&]/g, (c) => ENTITIES[c]));
}
