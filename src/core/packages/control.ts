// Debian control files (deb822) and Alpine's installed database are both stanzas of `Key: value` or `K:value`
// lines separated by blank lines. One linear reader for both: no regular expression over a stranger's text.

/** Calls `onStanza` with each stanza's fields (continuation lines dropped: no field read here spans lines). */
export function readStanzas(text: string, separator: ':', onStanza: (fields: Map<string, string>, lines: string[]) => boolean | void): void {
  let fields = new Map<string, string>();
  let lines: string[] = [];
  const flush = (): boolean => {
    if (fields.size === 0) return true;
    const go = onStanza(fields, lines) !== false;
    fields = new Map();
    lines = [];
    return go;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') {
      if (!flush()) return;
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') continue;
    const colon = line.indexOf(separator);
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!fields.has(key)) fields.set(key, value);
    lines.push(line);
  }
  flush();
}
