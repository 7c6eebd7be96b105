// Text from strangers (labels, tags, history, names) into hovers and tooltips. Every MarkdownString that holds
// image text gets it through here, so it renders as the same characters and never as markup: no links (also
// none auto-linked from a bare URL or address), no images, no HTML, no code fence it can close.
// VS Code's own appendText escapes too little for that (it leaves ':', '.', '@', '<' and '&' alone, so
// `https://…` still becomes a live link), and appendCodeblock's fence can be closed from inside.
import type * as vscode from 'vscode';

/**
 * Markdown that renders as exactly `text`: every ASCII punctuation character backslash-escaped (which
 * CommonMark allows for all of them, and which breaks every autolink pattern), leading blanks kept as
 * no-break spaces (no indented code block), line breaks kept as hard breaks (an empty line as one no-break
 * space, since a blank line would end the paragraph).
 */
export function escapeMarkdown(text: string): string {
  if (!text) return '';
  return text
    .split(/\r\n|\r|\n/)
    .map((line) =>
      line
        .replace(/[!-/:-@[-`{-~]/g, '\\$&')
        .replace(/^[ \t]+|^$/, (blanks) => '&nbsp;'.repeat(Math.max(1, blanks.length))),
    )
    .join('\\\n');
}

/** A fenced code block that `code` cannot close: the fence is longer than any run of backticks inside it. */
export function markdownCodeBlock(code: string, language = ''): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `\n${fence}${language.replace(/[^\w+-]/g, '')}\n${code.replace(/\r\n?/g, '\n')}\n${fence}\n`;
}

export function appendPlain(md: vscode.MarkdownString, text: string): vscode.MarkdownString {
  return md.appendMarkdown(escapeMarkdown(text));
}

export function appendCode(md: vscode.MarkdownString, code: string, language?: string): vscode.MarkdownString {
  return md.appendMarkdown(markdownCodeBlock(code, language));
}

/** A `command:` link target with its arguments; parentheses encoded too, so no argument can end the link. */
export function commandUri(command: string, ...args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args)).replace(/[()!'*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
}
