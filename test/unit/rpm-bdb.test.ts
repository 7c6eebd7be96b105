// rpm's Berkeley DB `Packages` built page by page (Berkeley DB's hash layout, either byte order), read through a
// layer as the views read it: sound files list their packages; hostile ones (loops, pages past the end, lying
// lengths, odd page sizes, a cut-off file) give a sentence and what could be read, fast, and never throw.
// The integration test (test/integration/packages.test.ts) compares files written by Berkeley DB itself with rpm.
import * as assert from 'assert';
import { Readable } from 'stream';
import initSqlJs from 'sql.js';
import * as tar from 'tar-stream';
import { readLayerEntries } from '../../src/backend/layer-contents';
import { readBdbHash } from '../../src/core/packages/bdb-hash';
import { packageHistory } from '../../src/core/packages/history';
import type { LayerPackageDbs } from '../../src/core/packages/model';
import { readRpmBdb } from '../../src/core/packages/rpm-bdb';

/** A header blob as rpm stores it: index count, data length, 16-byte entries (tag, type, offset, count), data. */
function rpmHeader(name: string, version: string, size: number): Buffer {
  const strings: [number, string][] = [
    [1000, name],
    [1001, version],
    [1002, '1.el8'],
    [1022, 'x86_64'],
  ];
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let at = 0;
  const entry = (tag: number, type: number, bytes: Buffer) => {
    const e = Buffer.alloc(16);
    e.writeUInt32BE(tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeUInt32BE(at, 8);
    e.writeUInt32BE(1, 12);
    index.push(e);
    data.push(bytes);
    at += bytes.length;
  };
  const sizeBytes = Buffer.alloc(4);
  sizeBytes.writeUInt32BE(size);
  entry(1009, 4, sizeBytes);
  for (const [tag, s] of strings) entry(tag, 6, Buffer.from(`${s}\0`));
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(index.length, 0);
  lengths.writeUInt32BE(at, 4);
  return Buffer.concat([lengths, ...index, ...data]);
}

type Item = Buffer | { page: number; length: number };

interface Page {
  type: 'hash' | 'overflow';
  items?: Item[];
  data?: Buffer;
  next?: number;
  /** The page number it says it is, when it lies. */
  says?: number;
}

interface Db {
  pageSize?: number;
  little?: boolean;
  magic?: number;
  buckets?: number;
  /** The last page number the metadata declares (the pages written by default). */
  lastPage?: number;
  /** Page 1 onwards. */
  pages: Page[];
}

/** A hash database: page 0 the metadata, bucket b on page b + 1 (every spare 1), then whatever pages follow. */
function bdb(db: Db): Buffer {
  const size = db.pageSize ?? 512;
  const little = db.little ?? true;
  const out = Buffer.alloc(size * (db.pages.length + 1));
  const u32 = (at: number, v: number) => (little ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at));
  const u16 = (at: number, v: number) => (little ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  u32(12, db.magic ?? 0x061561);
  u32(16, 9);
  u32(20, size);
  out[25] = 8;
  u32(32, db.lastPage ?? db.pages.length);
  u32(72, (db.buckets ?? 1) - 1);
  for (let i = 0; i < 32; i++) u32(96 + 4 * i, 1);
  db.pages.forEach((p, i) => {
    const at = (i + 1) * size;
    u32(at + 8, p.says ?? i + 1);
    u32(at + 16, p.next ?? 0);
    if (p.type === 'overflow') {
      out[at + 25] = 7;
      u16(at + 22, p.data?.length ?? 0);
      p.data?.copy(out, at + 26);
      return;
    }
    out[at + 25] = 13;
    const items = p.items ?? [];
    u16(at + 20, items.length);
    let end = size;
    items.forEach((item, k) => {
      const bytes = Buffer.isBuffer(item) ? Buffer.concat([Buffer.from([1]), item]) : Buffer.alloc(12);
      if (!Buffer.isBuffer(item)) {
        bytes[0] = 3;
        const put = (v: number, at: number) => (little ? bytes.writeUInt32LE(v, at) : bytes.writeUInt32BE(v, at));
        put(item.page, 4);
        put(item.length, 8);
      }
      end -= bytes.length;
      bytes.copy(out, at + end);
      u16(at + 26 + 2 * k, end);
    });
  });
  return out;
}

const key = (n: number, little = true) => {
  const b = Buffer.alloc(4);
  if (little) b.writeUInt32LE(n);
  else b.writeUInt32BE(n);
  return b;
};

const BASH = rpmHeader('bash', '4.4.20', 6_930_000);
const CURL = rpmHeader('curl', '7.61.1', 4_200_000);

/** Two buckets: bash inline with rpm's key 0 in bucket 0, curl on two overflow pages (3 and 4) from bucket 1. */
function sound(little = true): Buffer {
  const half = Math.ceil(CURL.length / 2);
  return bdb({
    little,
    buckets: 2,
    pages: [
      { type: 'hash', items: [key(0, little), key(1, little), key(1, little), BASH] },
      { type: 'hash', items: [key(2, little), { page: 3, length: CURL.length }] },
      { type: 'overflow', data: CURL.subarray(0, half), next: 4 },
      { type: 'overflow', data: CURL.subarray(half) },
    ],
  });
}

const names = (r: { packages: { name: string; version: string; size: number }[] }) => r.packages.map((p) => `${p.name} ${p.version} ${p.size}`);

async function layer(files: { name: string; body: Buffer }[]): Promise<LayerPackageDbs> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mtime: new Date(0) }, f.body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  const read = await readLayerEntries(Readable.from([Buffer.concat(chunks)]));
  return read.packages as LayerPackageDbs;
}

describe("rpm's Berkeley DB database", () => {
  it('lists the packages of var/lib/rpm/Packages in either byte order, inline or on overflow pages, without rpm\'s key 0', async () => {
    for (const little of [true, false]) {
      const read = await layer([
        { name: 'var/lib/rpm/Packages', body: sound(little) },
        // Berkeley DB's environment beside it is no database.
        { name: 'var/lib/rpm/__db.001', body: Buffer.alloc(8192, 7) },
      ]);
      assert.deepStrictEqual(read.problems, [], `little-endian: ${little}`);
      assert.deepStrictEqual(
        read.dbs.map((d) => [d.manager, d.path, names(d)]),
        [['rpm', 'var/lib/rpm/Packages', ['bash 4.4.20-1.el8 6930000', 'curl 7.61.1-1.el8 4200000']]],
      );
    }
    const [usr] = (await layer([{ name: 'usr/lib/sysimage/rpm/Packages', body: sound() }])).dbs;
    assert.strictEqual(usr.packages.length, 2);
  });

  it('reads an rpmdb.sqlite beside a Packages in its place, says nothing of the Packages, and a later sqlite supersedes it', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    db.run('INSERT INTO Packages (blob) VALUES (?)', [rpmHeader('zsh', '5.5.1', 7_000_000)]);
    const sqlite = Buffer.from(db.export());
    db.close();
    const both = await layer([
      { name: 'var/lib/rpm/rpmdb.sqlite', body: sqlite },
      { name: 'var/lib/rpm/Packages', body: Buffer.alloc(4096, 0x41) },
    ]);
    assert.deepStrictEqual([both.problems, both.dbs.map((d) => [d.path, names(d)])], [[], [['var/lib/rpm/rpmdb.sqlite', ['zsh 5.5.1-1.el8 7000000']]]]);
    // A layer that converts the database below it: bash and curl go, zsh comes, as rpm 4.16+ would read it.
    const [, converted] = packageHistory([await layer([{ name: 'var/lib/rpm/Packages', body: sound() }]), await layer([{ name: 'var/lib/rpm/rpmdb.sqlite', body: sqlite }])]);
    assert.deepStrictEqual(converted.changes.map((c) => `${c.kind} ${c.name}`), ['added zsh', 'removed bash', 'removed curl']);
  });

  describe('hostile bytes: a sentence each, the packages read so far, no hang, no throw', () => {
    const problems = async (body: Buffer) => {
      const read = await layer([{ name: 'var/lib/rpm/Packages', body }]);
      return { problems: read.problems, packages: read.dbs.flatMap((d) => d.packages.map((p) => p.name)) };
    };

    it('an overflow chain that loops back on itself', async () => {
      const started = Date.now();
      const body = bdb({
        buckets: 2,
        pages: [
          { type: 'hash', items: [key(1), BASH] },
          { type: 'hash', items: [key(2), { page: 3, length: 1000 }] },
          { type: 'overflow', data: Buffer.alloc(400, 1), next: 3 },
        ],
      });
      assert.deepStrictEqual(await problems(body), {
        problems: ['/var/lib/rpm/Packages: 1 entry could not be read, skipped (the first, on page 2: its overflow chain is page 3, which was already read: the pages loop or overlap).'],
        packages: ['bash'],
      });
      assert.ok(Date.now() - started < 1000);
    });

    it('a bucket whose pages loop, and two values claiming the same overflow page', async () => {
      const body = bdb({
        buckets: 2,
        pages: [
          { type: 'hash', items: [key(1), BASH], next: 1 },
          { type: 'hash', items: [key(2), { page: 3, length: 100 }, key(3), { page: 3, length: 100 }] },
          { type: 'overflow', data: CURL.subarray(0, 100) },
        ],
      });
      const got = await problems(body);
      assert.deepStrictEqual(got.problems, [
        '/var/lib/rpm/Packages: 1 package header damaged, skipped.',
        '/var/lib/rpm/Packages: the page after page 1 in bucket 0 is page 1, which was already read: the pages loop or overlap; the rest of bucket 0 is not read.',
        '/var/lib/rpm/Packages: 1 entry could not be read, skipped (the first, on page 2: its overflow chain is page 3, which was already read: the pages loop or overlap).',
      ]);
      assert.deepStrictEqual(got.packages, ['bash']);
    });

    it('page numbers past the end of the file, for a value and for a bucket', async () => {
      const body = bdb({
        buckets: 3,
        pages: [
          { type: 'hash', items: [key(1), BASH, key(2), { page: 99, length: 500 }] },
          { type: 'hash', items: [], next: 70_000 },
          { type: 'hash', items: [] },
        ],
      });
      assert.deepStrictEqual(await problems(body), {
        problems: [
          "/var/lib/rpm/Packages: the page after page 2 in bucket 1 is page 70000, past the end of the file's 4 pages; the rest of bucket 1 is not read.",
          "/var/lib/rpm/Packages: 1 entry could not be read, skipped (the first, on page 1: its overflow chain is page 99, past the end of the file's 4 pages).",
        ],
        packages: ['bash'],
      });
    });

    it('a file cut short: the pages present are read', async () => {
      const whole = sound();
      const got = await problems(whole.subarray(0, 512 * 3 + 100));
      assert.deepStrictEqual(got, {
        problems: [
          '/var/lib/rpm/Packages: it ends after 3 pages of the 5 pages it declares: entries on the missing pages are not read.',
          "/var/lib/rpm/Packages: 1 entry could not be read, skipped (the first, on page 2: its overflow chain is page 3, past the end of the file's 3 pages).",
        ],
        packages: ['bash'],
      });
      assert.deepStrictEqual((await problems(whole.subarray(0, 300))).problems, ['/var/lib/rpm/Packages could not be read as a package database (it is shorter than a Berkeley DB metadata page).']);
      // Nothing left to read is no empty database (which would remove every package below): the file was not read.
      assert.deepStrictEqual(await problems(whole.subarray(0, 700)), {
        problems: [
          '/var/lib/rpm/Packages could not be read as a package database (it ends after 1 page of the 5 pages it declares: entries on the missing pages are not read).',
        ],
        packages: [],
      });
    });

    it('a magic that is not a hash database\'s, page checksums, and page sizes that are not powers of two from 512 to 65536', async () => {
      const btree = sound();
      btree.writeUInt32LE(0x053162, 12);
      const checksummed = sound();
      checksummed[26] = 1;
      const answers = [];
      for (const body of [btree, checksummed, bdb({ pageSize: 1000, pages: [] }), bdb({ pageSize: 256, pages: [{ type: 'hash' }] }), bdb({ pageSize: 131072, pages: [] })]) answers.push((await problems(body)).problems);
      assert.deepStrictEqual(answers, [
        ['/var/lib/rpm/Packages could not be read as a package database (it is not a Berkeley DB hash database).'],
        ["/var/lib/rpm/Packages could not be read as a package database (its pages carry checksums, a layout rpm's own reader does not read either)."],
        ['/var/lib/rpm/Packages could not be read as a package database (its page size, 1000, is not a power of two from 512 to 65,536 bytes).'],
        ['/var/lib/rpm/Packages could not be read as a package database (its page size, 256, is not a power of two from 512 to 65,536 bytes).'],
        ['/var/lib/rpm/Packages could not be read as a package database (its page size, 131072, is not a power of two from 512 to 65,536 bytes).'],
      ]);
    });

    it('declared lengths larger than the file, or than the chain holds, and a bucket count of billions', async () => {
      const started = Date.now();
      const body = bdb({
        buckets: 0xffffffff,
        pages: [
          { type: 'hash', items: [key(1), { page: 2, length: 0xfffffff0 }, key(2), { page: 2, length: 50 }, key(3), BASH] },
          { type: 'overflow', data: Buffer.alloc(200, 1) },
        ],
      });
      const got = await problems(body);
      assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
      assert.deepStrictEqual(got, {
        problems: [
          '/var/lib/rpm/Packages: it declares 4,294,967,295 buckets, more than its 3 pages can hold.',
          '/var/lib/rpm/Packages: bucket 1 is page 2, which was already read: the pages loop or overlap; the rest of bucket 1 is not read.',
          '/var/lib/rpm/Packages: 2 entries could not be read, skipped (the first, on page 1: its value declares 4.29GB, more than the file holds).',
        ],
        packages: ['bash'],
      });
      const longer = bdb({ pages: [{ type: 'hash', items: [key(1), { page: 2, length: 50 }] }, { type: 'overflow', data: Buffer.alloc(200, 1) }] });
      assert.throws(() => readRpmBdb(longer), { message: '1 entry could not be read, skipped (the first, on page 1: its overflow chain holds more than the 50 bytes its value declares)' });
    });
  });

  it('stops at its bound on packages, and at four sentences, and says so', () => {
    const read = readRpmBdb(sound(), 1);
    assert.deepStrictEqual([names(read), read.problems], [['bash 4.4.20-1.el8 6930000'], ['it holds more than 1 package: only the first are listed']]);
    assert.strictEqual(readBdbHash(sound(), () => false).problems.length, 0);
    // Seven buckets on pages that are no hash pages: four sentences, and the rest counted.
    const bad = readBdbHash(bdb({ buckets: 7, pages: Array.from({ length: 8 }, () => ({ type: 'overflow' as const })) }), () => true);
    assert.deepStrictEqual(bad.problems.slice(3), ['bucket 3, page 4, is a page of type 7; the rest of bucket 3 is not read', '3 more problems of the same kinds']);
  });
});
