// The key/value pairs of a Berkeley DB hash database, read from its bytes: rpm's `Packages` before rpm 4.16
// (RHEL/CentOS 7-8, Amazon Linux 2, Oracle Linux 7-8). Layout as Berkeley DB's db_page.h has it: page 0 is the
// metadata page (magic, page size, buckets and the `spares` that place them); each bucket is a chain of hash
// pages holding pairs of items, an item either inline or a length and the first of a chain of overflow pages.
// The file comes from an image, so from a stranger: every page number, offset and length is checked, and each
// page is used once at most, so no chain can loop and no value can make us copy more than the file holds.
import { formatBytes, formatCount } from '../format';

const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const META_BYTES = 512;
const P_HASH_UNSORTED = 2; // hash version 8 (Berkeley DB before 4.6)
const P_OVERFLOW = 7;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const H_OFFPAGE_BYTES = 12;
const DBMETA_CHKSUM = 0x01;
/** At most this many sentences; the rest are counted. */
const MAX_SENTENCES = 4;

export interface BdbHashRead {
  /** Why nothing could be read: not a hash database, or one whose metadata no reader could follow. */
  unreadable?: string;
  /** Pairs that could not be read and were skipped; `firstDamage` says why the first one was. */
  damaged: number;
  firstDamage?: string;
  /** Why the file, or a part of it, was not read: sentences without a subject ("it is encrypted"). */
  problems: string[];
}

class Damage extends Error {}

class Pages {
  readonly size: number;
  readonly count: number;
  private readonly data: Buffer;
  private readonly little: boolean;
  /** Every page read so far: a page reached twice is a loop, or two values claiming the same bytes. */
  private readonly used: Uint8Array;

  constructor(data: Buffer, little: boolean, size: number, count: number) {
    this.data = data;
    this.little = little;
    this.size = size;
    this.count = count;
    this.used = new Uint8Array(count);
  }

  u16(at: number): number {
    return this.little ? this.data.readUInt16LE(at) : this.data.readUInt16BE(at);
  }

  u32(at: number): number {
    return this.little ? this.data.readUInt32LE(at) : this.data.readUInt32BE(at);
  }

  /** Page `n`'s offset in the file, once checked and marked used; `what` names it in the sentence. */
  take(n: number, what: string, types: readonly number[]): number {
    if (n === 0) throw new Damage(`${what} is page 0, the metadata page`);
    if (n >= this.count) throw new Damage(`${what} is page ${n}, past the end of the file's ${formatCount(this.count, 'page')}`);
    if (this.used[n]) throw new Damage(`${what} is page ${n}, which was already read: the pages loop or overlap`);
    this.used[n] = 1;
    const at = n * this.size;
    if (this.u32(at + 8) !== n) throw new Damage(`page ${n} says it is page ${this.u32(at + 8)}`);
    if (!types.includes(this.data[at + 25])) throw new Damage(`${what}, page ${n}, is a page of type ${this.data[at + 25]}`);
    return at;
  }

  u8(at: number): number {
    return this.data[at];
  }

  bytes(from: number, to: number): Buffer {
    return this.data.subarray(from, to);
  }
}

/** An overflow chain's bytes, once the whole chain is checked against the declared length. */
function overflow(pages: Pages, first: number, length: number): Buffer {
  if (length === 0) throw new Damage('its value is an empty overflow chain');
  if (length > pages.count * pages.size) throw new Damage(`its value declares ${formatBytes(length)}, more than the file holds`);
  const pieces: [number, number][] = [];
  let left = length;
  for (let n = first; left > 0; ) {
    const at = pages.take(n, 'its overflow chain', [P_OVERFLOW]);
    const here = pages.u16(at + 22);
    if (here === 0 || PAGE_HEADER + here > pages.size) throw new Damage(`overflow page ${n} holds ${here} bytes, not a length its page can hold`);
    if (here > left) throw new Damage(`its overflow chain holds more than the ${formatCount(length, 'byte')} its value declares`);
    pieces.push([at + PAGE_HEADER, here]);
    left -= here;
    n = pages.u32(at + 16);
    if (left > 0 && n === 0) throw new Damage(`its overflow chain ends ${formatCount(left, 'byte')} short of the ${formatCount(length, 'byte')} its value declares`);
  }
  const out = Buffer.allocUnsafe(length);
  let to = 0;
  for (const [from, n] of pieces) to += pages.bytes(from, from + n).copy(out, to);
  return out;
}

/** Item `i` of the hash page at `at`, whose `entries` offsets follow the page header. */
function item(pages: Pages, at: number, entries: number, i: number): Buffer {
  const offset = pages.u16(at + PAGE_HEADER + 2 * i);
  const end = i === 0 ? pages.size : pages.u16(at + PAGE_HEADER + 2 * (i - 1));
  if (offset < PAGE_HEADER + 2 * entries || offset >= end || end > pages.size) throw new Damage(`item ${i} lies outside its page`);
  const type = pages.u8(at + offset);
  if (type === H_KEYDATA) return pages.bytes(at + offset + 1, at + end);
  if (type === H_OFFPAGE && end - offset === H_OFFPAGE_BYTES) return overflow(pages, pages.u32(at + offset + 4), pages.u32(at + offset + 8));
  throw new Damage(`item ${i} is of type ${type}, which rpm does not write (duplicate keys)`);
}

function header(data: Buffer): { pages: Pages; buckets: number; spares: number[]; problems: string[] } | string {
  if (data.length < META_BYTES) return 'it is shorter than a Berkeley DB metadata page';
  const magicLE = data.readUInt32LE(12);
  const little = magicLE === HASH_MAGIC;
  if (!little && data.readUInt32BE(12) !== HASH_MAGIC) return 'it is not a Berkeley DB hash database';
  const u32 = (at: number) => (little ? data.readUInt32LE(at) : data.readUInt32BE(at));
  const version = u32(16);
  if (version < 8 || version > 10) return `its hash version, ${version}, is not one rpm reads (8 to 10)`;
  const size = u32(20);
  if (size < 512 || size > 65536 || (size & (size - 1)) !== 0) return `its page size, ${size}, is not a power of two from 512 to 65,536 bytes`;
  if (data[24] !== 0) return 'it is encrypted';
  if (data[26] & DBMETA_CHKSUM) return "its pages carry checksums, a layout rpm's own reader does not read either";
  const problems: string[] = [];
  const declared = u32(32) + 1;
  const present = Math.floor(data.length / size);
  if (present < declared) problems.push(`it ends after ${formatCount(present, 'page')} of the ${formatCount(declared, 'page')} it declares: entries on the missing pages are not read`);
  const count = Math.min(declared, present);
  const buckets = u32(72) + 1;
  // Each bucket has a page of its own: a count beyond the pages is a lie, and would be a loop of billions.
  if (buckets >= declared) problems.push(`it declares ${formatCount(buckets, 'bucket')}, more than its ${formatCount(declared, 'page')} can hold`);
  const spares = Array.from({ length: 32 }, (_, i) => u32(96 + 4 * i));
  return { pages: new Pages(data, little, size, count), buckets: Math.min(buckets, count - 1), spares, problems };
}

/** A bucket's first page: the bucket number plus the spare pages before its doubling (`spares[bits of bucket]`). */
function bucketPage(bucket: number, spares: readonly number[]): number {
  return bucket + spares[bucket === 0 ? 0 : 32 - Math.clz32(bucket)];
}

/**
 * Calls `onPair` with each key and value, bucket by bucket as Berkeley DB's cursor walks them, until it answers
 * false. Inline items are views into `bytes`; values from overflow pages are copies. Never throws: what could not
 * be read is counted or said in the answer.
 */
export function readBdbHash(bytes: Uint8Array, onPair: (key: Buffer, value: Buffer) => boolean): BdbHashRead {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: BdbHashRead = { damaged: 0, problems: [] };
  const meta = header(data);
  if (typeof meta === 'string') return { ...read, unreadable: meta };
  const { pages, buckets, spares } = meta;
  const sentences = [...meta.problems];
  let more = 0;
  const say = (s: string) => (sentences.length < MAX_SENTENCES ? sentences.push(s) : more++);
  walk: for (let bucket = 0; bucket < buckets; bucket++) {
    let what = `bucket ${bucket}`;
    for (let n = bucketPage(bucket, spares); ; ) {
      let at: number;
      try {
        at = pages.take(n, what, [P_HASH, P_HASH_UNSORTED]);
      } catch (e) {
        say(`${(e as Error).message}; the rest of bucket ${bucket} is not read`);
        break;
      }
      const entries = pages.u16(at + 20);
      if (PAGE_HEADER + 2 * entries > pages.size) {
        say(`page ${n} counts ${entries} items, more than it can hold: it is not read`);
      } else {
        for (let i = 0; i + 1 < entries; i += 2) {
          let key: Buffer;
          let value: Buffer;
          try {
            key = item(pages, at, entries, i);
            value = item(pages, at, entries, i + 1);
          } catch (e) {
            if (!(e instanceof Damage)) throw e;
            if (!read.damaged++) read.firstDamage = `the first, on page ${n}: ${e.message}`;
            continue;
          }
          if (!onPair(key, value)) break walk;
        }
      }
      what = `the page after page ${n} in bucket ${bucket}`;
      n = pages.u32(at + 16);
      if (n === 0) break;
    }
  }
  if (more) sentences.push(`${formatCount(more, 'more problem')} of the same kinds`);
  read.problems = sentences;
  return read;
}
