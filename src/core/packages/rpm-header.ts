// An rpm header as rpmdb.sqlite keeps it in `Packages.blob`: no lead magic, then the index length and data
// length (big-endian int32), that many 16-byte index entries (tag, type, offset, count), then the data.
// Every offset and count is checked against the blob: a damaged header is refused, never read past its end.
import type { InstalledPackage } from './model';

const TYPE = { INT16: 3, INT32: 4, INT64: 5, STRING: 6, STRING_ARRAY: 8, I18NSTRING: 9 } as const;
const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  ARCH: 1022,
  FILESIZES: 1028,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
} as const;

/** More index entries than any real header has (a few hundred): beyond it the blob is not a header. */
const MAX_INDEX = 100_000;

export interface RpmPackage extends InstalledPackage {
  files: string[];
}

/** What a reader of an rpm database found: `damaged` counts headers that could not be read, `problems` says the rest. */
export interface RpmDbRead {
  packages: RpmPackage[];
  damaged: number;
  problems: string[];
}

interface Entry {
  type: number;
  offset: number;
  count: number;
}

class Header {
  private readonly entries = new Map<number, Entry>();
  private readonly data: Buffer;

  constructor(blob: Buffer) {
    if (blob.length < 8) throw new Error('shorter than a header');
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il > MAX_INDEX || 8 + il * 16 + dl > blob.length) throw new Error('its lengths run past its end');
    for (let i = 0; i < il; i++) {
      const at = 8 + i * 16;
      const tag = blob.readUInt32BE(at);
      const entry = { type: blob.readUInt32BE(at + 4), offset: blob.readUInt32BE(at + 8), count: blob.readUInt32BE(at + 12) };
      if (entry.offset > dl) throw new Error(`tag ${tag} points past its data`);
      this.entries.set(tag, entry);
    }
    this.data = blob.subarray(8 + il * 16, 8 + il * 16 + dl);
  }

  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e || (e.type !== TYPE.STRING && e.type !== TYPE.STRING_ARRAY && e.type !== TYPE.I18NSTRING)) return undefined;
    const count = e.type === TYPE.STRING ? 1 : e.count;
    if (count > this.data.length) throw new Error(`tag ${tag} counts more strings than its data holds`);
    const out: string[] = [];
    let at = e.offset;
    for (let i = 0; i < count; i++) {
      const end = this.data.indexOf(0, at);
      if (end < 0) throw new Error(`tag ${tag} has an unterminated string`);
      out.push(this.data.toString('utf8', at, end));
      at = end + 1;
    }
    return out;
  }

  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  numbers(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    const width = e?.type === TYPE.INT16 ? 2 : e?.type === TYPE.INT32 ? 4 : e?.type === TYPE.INT64 ? 8 : 0;
    if (!e || !width) return undefined;
    if (e.offset + e.count * width > this.data.length) throw new Error(`tag ${tag} runs past its data`);
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      const at = e.offset + i * width;
      out.push(width === 2 ? this.data.readUInt16BE(at) : width === 4 ? this.data.readUInt32BE(at) : Number(this.data.readBigUInt64BE(at)));
    }
    return out;
  }
}

/** The package a header describes, as `rpm -q --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH} %{SIZE}'` says it. */
export function parseRpmHeader(blob: Buffer): RpmPackage {
  const h = new Header(blob);
  const name = h.string(TAG.NAME);
  const version = h.string(TAG.VERSION);
  if (!name || version === undefined) throw new Error('it has no name or version');
  const release = h.string(TAG.RELEASE);
  const epoch = h.numbers(TAG.EPOCH)?.[0];
  const full = `${epoch !== undefined ? `${epoch}:` : ''}${version}${release !== undefined ? `-${release}` : ''}`;
  const size = h.numbers(TAG.LONGSIZE)?.[0] ?? h.numbers(TAG.SIZE)?.[0] ?? 0;
  const basenames = h.strings(TAG.BASENAMES) ?? [];
  const dirnames = h.strings(TAG.DIRNAMES) ?? [];
  const dirIndexes = h.numbers(TAG.DIRINDEXES) ?? [];
  const files: string[] = [];
  basenames.forEach((base, i) => {
    const dir = dirnames[dirIndexes[i]];
    if (dir !== undefined) files.push(`${dir}${base}`.replace(/^\/+/, ''));
  });
  // gpg-pubkey entries have no architecture; `rpm -q` prints "(none)".
  return { manager: 'rpm', name, version: full, arch: h.string(TAG.ARCH) ?? '(none)', size, files };
}
