// A tar read block by block, synchronously, from chunks the caller owns. The load's hot path reads archives
// into a small ring of reused buffers (chunk-ring.ts), which needs a parser that is done with a chunk when the
// call returns: tar-stream hands chunks on to entry streams and lets go of them at a time the caller cannot
// see. The layer listing (layer-contents.ts) walks with it too; writing archives uses tar-stream.
//
// Formats as Go's archive/tar (and so the engine) reads them: ustar, GNU (base-256 sizes, long names and
// link names, old sparse headers), pax (path, linkpath, size; each extended header for the next entry only;
// global headers read and ignored, as the engine ignores them), V7 headers without a magic. Two zero blocks
// end the archive; what follows them is not read.

export type TarEntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'gnu-sparse'
  | 'unknown';

export interface TarEntryHeader {
  name: string;
  /** The name's bytes as stored, one char per byte (latin1): names that are not UTF-8 stay distinct here. */
  rawName: string;
  type: TarEntryType;
  /**
   * The size the header declares (a pax `size` over the header's own field; a sparse file's full size), as Go's
   * `Header.Size` reads: what the engine sums for a layer. Header-only types (links, folders, devices) carry
   * no data whatever they declare.
   */
  size: number;
  linkname: string;
  mode: number;
  /** Where the entry's stored data starts, in bytes from the start of the tar: a later read seeks there. */
  offset: number;
}

/** What to do with an entry's data: each piece is a view into the chunk being fed, valid during the call. */
export interface TarEntryHandler {
  data?(bytes: Buffer): void;
  end?(): void;
}

const BLOCK = 512;
/** Largest pax or GNU long-name record accepted, Go's limit (and so the engine's): beyond it, a header is hostile. */
const MAX_META = 1 << 20;
/** The pax keys read; others (xattrs, times, owners) are skipped without being decoded. */
const PAX_KEYS = new Set(['path', 'linkpath', 'size']);

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};
const HEADER_ONLY = new Set<TarEntryType>(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

export class TarWalker {
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  /** Data bytes left in the current entry, then padding to skip. */
  private remaining = 0;
  private padding = 0;
  private handler: TarEntryHandler | undefined;
  /** A pax or GNU long-name record being gathered, into one buffer reused from record to record. */
  private meta: { kind: string; length: number; fill: number } | undefined;
  private metaBytes = Buffer.alloc(0);
  private pax: Record<string, string> = {};
  private longName: string | undefined;
  private longNameRaw: string | undefined;
  private longLink: string | undefined;
  private inEntry = false;
  /** Zero blocks in a row: one may end a tar cut short, two end it. */
  private zeros = 0;
  /** A GNU sparse entry whose extension blocks are still to skip before its data. */
  private pending: { header: TarEntryHeader; data: number } | undefined;
  /** Bytes of the tar walked so far, over every chunk fed. */
  private position = 0;

  constructor(private readonly onEntry: (header: TarEntryHeader) => TarEntryHandler | void) {}

  /** Walks `chunk`; entry callbacks run before this returns. Throws on a header that is not tar. */
  feed(chunk: Buffer): void {
    let at = 0;
    const start = this.position;
    while (at < chunk.length && this.zeros < 2) {
      this.position = start + at;
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        this.take(chunk.subarray(at, at + n));
        this.remaining -= n;
        at += n;
        if (this.remaining === 0) this.endData();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - at);
        this.padding -= n;
        at += n;
        continue;
      }
      const n = Math.min(BLOCK - this.blockFill, chunk.length - at);
      chunk.copy(this.block, this.blockFill, at, at + n);
      this.blockFill += n;
      at += n;
      if (this.blockFill === BLOCK) {
        this.blockFill = 0;
        this.position = start + at;
        if (this.pending) this.sparseExtension(this.block);
        else this.header(this.block);
      }
    }
    this.position = start + at;
  }

  /** The end of the input: throws when it stops inside a header or an entry's data. */
  finish(): void {
    if (this.zeros < 2 && (this.remaining > 0 || this.padding > 0 || this.meta || this.blockFill > 0 || this.pending)) {
      throw new Error('Unexpected end of data');
    }
  }

  private take(bytes: Buffer): void {
    if (this.meta) {
      bytes.copy(this.metaBytes, this.meta.fill);
      this.meta.fill += bytes.length;
    } else this.handler?.data?.(bytes);
  }

  private endData(): void {
    if (this.meta) {
      const { kind, length } = this.meta;
      const bytes = this.metaBytes.subarray(0, length);
      this.meta = undefined;
      // An extended header replaces the one before it; a global one is checked and dropped.
      if (kind === 'x') this.pax = parsePax(bytes);
      else if (kind === 'g') parsePax(bytes);
      else if (kind === 'L') {
        this.longName = cString(bytes, 0, bytes.length);
        this.longNameRaw = cString(bytes, 0, bytes.length, 'latin1');
      }
      else this.longLink = cString(bytes, 0, bytes.length);
      return;
    }
    if (this.inEntry) {
      this.inEntry = false;
      const h = this.handler;
      this.handler = undefined;
      h?.end?.();
    }
  }

  private header(b: Buffer): void {
    if (b.every((x) => x === 0)) {
      this.zeros++;
      return;
    }
    if (this.zeros > 0) throw new Error('Invalid tar header (a header after a zero block)');
    const stored = octal(b, 148, 8, 'checksum');
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const v = i >= 148 && i < 156 ? 0x20 : b[i];
      unsigned += v;
      signed += v > 127 ? v - 256 : v;
    }
    if (stored !== unsigned && stored !== signed) throw new Error('Invalid tar header (bad checksum). Maybe the tar is corrupted or it needs to be gunzipped?');
    const flag = String.fromCharCode(b[156]);
    const declared = numeric(b, 124, 12, 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (declared > MAX_META) throw new Error(`Tar header record of ${declared} bytes exceeds the limit`);
      if (this.metaBytes.length < declared) this.metaBytes = Buffer.alloc(declared);
      this.meta = { kind: flag, length: declared, fill: 0 };
      this.expect(declared);
      return;
    }
    const ustar = b.toString('latin1', 257, 263) === 'ustar\0';
    let name = cString(b, 0, 100);
    let rawName = cString(b, 0, 100, 'latin1');
    if (ustar && b[345] !== 0) {
      name = `${cString(b, 345, 155)}/${name}`;
      rawName = `${cString(b, 345, 155, 'latin1')}/${rawName}`;
    }
    const pax = this.pax;
    const sparse = flag === 'S';
    const type = sparse ? 'gnu-sparse' : (TYPES[flag] ?? 'unknown');
    // Stored bytes follow the header; a sparse file stores only its data runs, and declares its full size apart.
    const inArchive = pax.size !== undefined ? paxSize(pax.size) : declared;
    const header: TarEntryHeader = {
      name: pax.path ?? this.longName ?? name,
      rawName: pax.rawPath ?? this.longNameRaw ?? rawName,
      type,
      size: sparse ? numeric(b, 483, 12, 'real size') : inArchive,
      linkname: pax.linkpath ?? this.longLink ?? cString(b, 157, 100),
      mode: octal(b, 100, 8, 'mode'),
      offset: this.position,
    };
    this.pax = {};
    this.longName = undefined;
    this.longNameRaw = undefined;
    this.longLink = undefined;
    const data = HEADER_ONLY.has(type) ? 0 : inArchive;
    if (sparse && b[482] !== 0) this.pending = { header, data };
    else this.begin(header, data);
  }

  /** An old GNU sparse header's extension block: more data runs, and whether another block follows. */
  private sparseExtension(b: Buffer): void {
    if (b[504] !== 0) return;
    const { header, data } = this.pending as NonNullable<TarWalker['pending']>;
    this.pending = undefined;
    this.begin({ ...header, offset: this.position }, data);
  }

  private begin(header: TarEntryHeader, data: number): void {
    this.inEntry = true;
    this.handler = this.onEntry(header) ?? undefined;
    this.expect(data);
  }

  private expect(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endData();
  }
}

function cString(b: Buffer, start: number, length: number, encoding: 'utf8' | 'latin1' = 'utf8'): string {
  const end = b.indexOf(0, start);
  return b.toString(encoding, start, end === -1 || end > start + length ? start + length : end);
}

function octal(b: Buffer, start: number, length: number, field: string): number {
  const text = b.toString('latin1', start, start + length).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`Invalid tar header (${field} "${text}" is not octal). Maybe the tar is corrupted or it needs to be gunzipped?`);
  return parseInt(text, 8);
}

/** An octal field, or GNU base-256 when the first byte's high bit is set. */
function numeric(b: Buffer, start: number, length: number, field: string): number {
  if ((b[start] & 0x80) === 0) return octal(b, start, length, field);
  if (b[start] & 0x40) throw new Error(`Invalid tar header (negative ${field})`);
  let v = b[start] & 0x3f;
  for (let i = start + 1; i < start + length; i++) v = v * 256 + b[i];
  if (!Number.isSafeInteger(v)) throw new Error(`Invalid tar header (${field} too large)`);
  return v;
}

function paxSize(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new Error(`Invalid pax size "${text}"`);
  return Number(text);
}

/** pax records: "<length> <key>=<value>\n", the length counting the whole record. Only PAX_KEYS are kept. */
function parsePax(bytes: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const digits = space === -1 || space - at > 8 ? '' : bytes.toString('latin1', at, space);
    const length = Number(digits);
    if (!/^[1-9]\d*$/.test(digits) || length <= space - at || at + length > bytes.length || bytes[at + length - 1] !== 0x0a) {
      throw new Error('Invalid pax record');
    }
    const end = at + length - 1;
    const eq = bytes.indexOf(0x3d, space + 1);
    if (eq === -1 || eq >= end) throw new Error('Invalid pax record');
    const key = eq - space - 1 <= 8 ? bytes.toString('latin1', space + 1, eq) : '';
    if (PAX_KEYS.has(key)) out[key] = bytes.toString('utf8', eq + 1, end);
    if (key === 'path') out.rawPath = bytes.toString('latin1', eq + 1, end);
    at += length;
  }
  return out;
}
