// Paths into a JSON value as jq writes them (`.Config.Env[0]`, `.Config.Labels["org.opencontainers.image.title"]`):
// what Inspect's tree copies, and how it finds the value a path names.

export type JsonPathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `.Config.Env[0]`; a key that is not an identifier in brackets, quoted as JSON; the whole value is `.`. */
export function formatJsonPath(path: readonly JsonPathSegment[]): string {
  if (path.length === 0) return '.';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += `.${seg}`;
    else out += `${out === '' ? '.' : ''}[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A path as a stranger (the page) sends it: segments of strings and whole numbers only, else undefined. */
export function parseJsonPath(value: unknown): JsonPathSegment[] | undefined {
  if (!Array.isArray(value) || value.length > 256) return undefined;
  const ok = value.every((s) => typeof s === 'string' || (typeof s === 'number' && Number.isInteger(s) && s >= 0));
  return ok ? (value as JsonPathSegment[]) : undefined;
}

/** The value at `path`, or undefined when the path leads nowhere (own keys only, never a prototype's). */
export function valueAt(root: unknown, path: readonly JsonPathSegment[]): unknown {
  let at: unknown = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(at) || seg >= at.length) return undefined;
      at = at[seg];
    } else {
      if (!at || typeof at !== 'object' || Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, seg)) return undefined;
      at = (at as Record<string, unknown>)[seg];
    }
  }
  return at;
}

/** What "copy value" puts on the clipboard: a string as it is, anything else as JSON (objects indented). */
export function copiedValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
