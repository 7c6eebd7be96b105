// Text as the docker CLI prints it: its tabwriter's columns, its Ellipsis, and image authors' text made safe.
import { escapeControls } from '../core/format';
import { DEFAULT_TAG, fullRepository, parseReference } from '../core/reference';

/** The docker CLI's tabwriter: columns 3 apart, 10 wide at least. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(Math.max(widths[c] + 3, 10)))).join('').trimEnd()).join('\n');
}

/**
 * CREATED BY and COMMENT as written, tabs as spaces (as the docker CLI prints them), and any other control
 * character shown as an escape: a newline would break the table, and an image's text must not steer the terminal.
 */
export function printable(text: string): string {
  return escapeControls(text.replace(/\t/g, ' '));
}

/** The docker CLI's Ellipsis: at most `width` characters, the last one `…` when cut. */
export function ellipsis(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, width - 1).join('') + '…';
}

/** The name `docker pull` prints last: the full repository with its tag or digest. */
export function fullName(input: string): string {
  const ref = parseReference(input);
  if (!ref) return input;
  return ref.digest ? `${fullRepository(ref)}@${ref.digest}` : `${fullRepository(ref)}:${ref.tag ?? DEFAULT_TAG}`;
}
