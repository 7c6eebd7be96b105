import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tar from 'tar-stream';
import { readInRing } from '../../../src/backend/store/chunk-ring';
import { TarWalker } from '../../../src/backend/store/tar-walker';
import { tempDir } from './helpers';

interface Seen {
  name: string;
  type: string;
  size: number;
  linkname: string;
  sha: string;
}

/** What the walker reads from `bytes`, fed in pieces of the given sizes (cycled). */
function walk(bytes: Buffer, pieces: number[] = [bytes.length || 1]): Seen[] {
  const seen: Seen[] = [];
  const walker = new TarWalker((h) => {
    const hash = createHash('sha256');
    let got = 0;
    return {
      data: (b) => {
        hash.update(b);
        got += b.length;
      },
      end: () => {
        const headerOnly = ['link', 'symlink', 'directory', 'character-device', 'block-device', 'fifo'].includes(h.type);
        // A sparse file stores only its data runs: fewer bytes than the size it declares.
        if (h.type !== 'gnu-sparse') assert.strictEqual(got, headerOnly ? 0 : h.size, `${h.name}: data handed over`);
        // The offset recorded is where a later read seeks to find the same bytes.
        if (h.type === 'file' && h.size > 0) {
          const there = createHash('sha256').update(bytes.subarray(h.offset, h.offset + h.size)).digest('hex');
          assert.strictEqual(there, hash.copy().digest('hex'), `${h.name}: data at its offset`);
        }
        seen.push({ name: h.name, type: h.type, size: h.size, linkname: h.linkname, sha: hash.digest('hex') });
      },
    };
  });
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = pieces[i % pieces.length];
    walker.feed(bytes.subarray(at, at + n));
    at += n;
  }
  walker.finish();
  return seen;
}

/** What tar-stream reads from the same bytes. */
async function walkWithTarStream(bytes: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const hash = createHash('sha256');
      for await (const c of entry) hash.update(c as Buffer);
      const h = entry.header;
      seen.push({ name: h.name, type: h.type ?? '', size: h.size ?? 0, linkname: h.linkname ?? '', sha: hash.digest('hex') });
    }
  })();
  extract.end(bytes);
  await done;
  return seen;
}

describe('TarWalker: reading tars block by block', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  const longName = `${'deep/'.repeat(40)}file-with-a-name-longer-than-one-hundred-bytes.txt`;

  async function packed(): Promise<Buffer> {
    const pack = tar.pack();
    const collected = (async () => {
      const chunks: Buffer[] = [];
      for await (const c of pack) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    })();
    pack.entry({ name: 'etc', type: 'directory' });
    pack.entry({ name: 'etc/hosts' }, Buffer.from('127.0.0.1 localhost\n'));
    pack.entry({ name: longName }, randomBytes(70_000));
    pack.entry({ name: 'empty' }, Buffer.alloc(0));
    pack.entry({ name: 'etc/link', type: 'symlink', linkname: `../${longName}` });
    pack.entry({ name: 'hard', type: 'link', linkname: 'etc/hosts' });
    pack.entry({ name: 'exact', size: 1024 }, randomBytes(1024));
    pack.finalize();
    return collected;
  }

  it('reads what tar-stream reads, pax long names and links included, however the bytes are split', async () => {
    const bytes = await packed();
    const expected = await walkWithTarStream(bytes);
    assert.ok(expected.some((e) => e.name === longName && e.size === 70_000));
    assert.deepStrictEqual(walk(bytes), expected);
    for (const pieces of [[1], [7], [511], [512], [513], [100, 3, 4096]]) assert.deepStrictEqual(walk(bytes, pieces), expected, `pieces ${pieces}`);
  });

  for (const format of ['gnu', 'posix', 'ustar', 'v7']) {
    it(`reads GNU tar's ${format} format as tar-stream does`, async function () {
      const dir = path.join(t.dir, 'src');
      await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
      await fs.writeFile(path.join(dir, 'sub', 'a.txt'), 'hello');
      await fs.writeFile(path.join(dir, 'big.bin'), randomBytes(3000));
      await fs.symlink('sub/a.txt', path.join(dir, 'ln'));
      if (format !== 'ustar' && format !== 'v7') await fs.writeFile(path.join(dir, 'x'.repeat(150)), 'long');
      const out = path.join(t.dir, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', dir, '.']);
      const bytes = await fs.readFile(out);
      const seen = walk(bytes, [333]);
      assert.ok(seen.some((e) => e.name.endsWith('big.bin') && e.size === 3000));
      if (format === 'v7') {
        // tar-stream refuses headers without a magic; the engine (Go's archive/tar) reads them.
        assert.deepStrictEqual(seen.map((e) => e.name).sort(), ['./', './big.bin', './ln', './sub/', './sub/a.txt']);
      } else assert.deepStrictEqual(seen, await walkWithTarStream(bytes));
    });
  }

  /** A header block: `fill` writes its fields, then the checksum is set. */
  function header(name: string, flag: string, magic: string, fill: (b: Buffer) => void): Buffer {
    const b = Buffer.alloc(512);
    b.write(name, 0);
    b.write('0000644\0', 100);
    b.write(flag, 156);
    b.write(magic, 257, 'latin1');
    fill(b);
    b.fill(0x20, 148, 156);
    let sum = 0;
    for (const x of b) sum += x;
    b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    return b;
  }

  it('reads a GNU base-256 size field', () => {
    const gnu = header('big', '0', 'ustar  \0', (b) => {
      b.writeUInt8(0x80, 124);
      b.writeUIntBE(2000, 130, 6);
    });
    const data = Buffer.alloc(2048, 1);
    const [entry] = walk(Buffer.concat([gnu, data, Buffer.alloc(1024)]));
    assert.strictEqual(entry.size, 2000);
  });

  /** A pax record: its length counts itself. */
  function record(key: string, value: string): string {
    const body = ` ${key}=${value}\n`;
    let n = body.length + 1;
    while (String(n).length + body.length !== n) n++;
    return `${n}${body}`;
  }
  const padded = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
  const size12 = (n: number) => (b: Buffer) => b.write(n.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  function meta(flag: 'x' | 'g', records: string): Buffer {
    const body = Buffer.from(records);
    return Buffer.concat([header('PaxHeaders/x', flag, 'ustar\x0000', size12(body.length)), padded(body)]);
  }
  const fileEntry = (name: string, body: Buffer) => Buffer.concat([header(name, '0', 'ustar\x0000', size12(body.length)), padded(body)]);
  const END = Buffer.alloc(1024);

  it('reads a global pax header and drops it, and lets each extended header speak for the next entry only', () => {
    const bytes = Buffer.concat([
      meta('g', record('path', 'global-name') + record('size', '512')),
      fileEntry('a', Buffer.from('aaa')),
      meta('x', record('path', 'first-x')),
      meta('x', record('path', 'second-x')),
      fileEntry('b', Buffer.from('bb')),
      fileEntry('c', Buffer.from('c')),
      END,
    ]);
    assert.deepStrictEqual(walk(bytes, [100]).map((e) => [e.name, e.size]), [['a', 3], ['second-x', 2], ['c', 1]]);
  });

  it('ends at two zero blocks whatever follows, and refuses a header after a single zero block', async () => {
    const bytes = await packed();
    const expected = walk(bytes);
    assert.deepStrictEqual(walk(Buffer.concat([bytes, Buffer.from('trailing junk after the end')]), [777]), expected);
    const oneZero = Buffer.concat([fileEntry('a', Buffer.from('x')), Buffer.alloc(512), fileEntry('b', Buffer.from('y')), END]);
    assert.throws(() => walk(oneZero), /a header after a zero block/);
    assert.deepStrictEqual(walk(Buffer.concat([fileEntry('a', Buffer.from('x')), Buffer.alloc(512)])).map((e) => e.name), ['a'], 'one zero block at the very end');
  });

  it('refuses pax records whose length is not a plain decimal or that do not end the record', () => {
    assert.throws(() => walk(Buffer.concat([meta('x', '0x1a path=aaaaaaaaaaaaaaaaaa\n'), fileEntry('a', Buffer.from('x')), END])), /Invalid pax record/);
    assert.throws(() => walk(Buffer.concat([meta('x', '12 path=abcd!'), fileEntry('a', Buffer.from('x')), END])), /Invalid pax record/);
  });

  it("reads GNU tar's sparse files, extension blocks included, with the size they declare", async function () {
    const dir = path.join(t.dir, 'sparse');
    await fs.mkdir(dir);
    const holey = await fs.open(path.join(dir, 'holey'), 'w');
    for (let i = 0; i < 30; i++) await holey.write(Buffer.from(`run ${i}`), 0, 5, i * 65536);
    await holey.close();
    await fs.writeFile(path.join(dir, 'after'), 'after the sparse file');
    const out = path.join(t.dir, 'sparse.tar');
    execFileSync('tar', ['--format=gnu', '--sparse', '-cf', out, '-C', dir, 'holey', 'after']);
    const seen = walk(await fs.readFile(out), [1000]);
    assert.deepStrictEqual(seen.map((e) => [e.name, e.type, e.size]), [['holey', 'gnu-sparse', 29 * 65536 + 5], ['after', 'file', 21]]);
  });

  it('refuses a header whose checksum is wrong, a truncated tar, and a pax record bigger than 1 MiB', async () => {
    const bytes = await packed();
    const bad = Buffer.from(bytes);
    bad[0] ^= 1;
    assert.throws(() => walk(bad), /checksum/);
    assert.throws(() => walk(bytes.subarray(0, 3000)), /Unexpected end of data/);
    assert.throws(() => walk(Buffer.alloc(1024, 0x41)), /Invalid tar header/);

    const pax = header('PaxHeaders/x', 'x', 'ustar\x0000', (b) => b.write(((1 << 20) + 1).toString(8).padStart(11, '0') + '\0', 124, 'latin1'));
    assert.throws(() => walk(pax), /exceeds the limit/);
  });
});

describe('readInRing: a file through reused buffers', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('hands over every byte in order, and does not read into a buffer while work on it is pending', async () => {
    const file = path.join(t.dir, 'f');
    const bytes = randomBytes(10 * 4096 + 123);
    await fs.writeFile(file, bytes);
    const copies: Buffer[] = [];
    const late: Promise<void>[] = [];
    for await (const chunk of readInRing(file, { chunkBytes: 4096, depth: 3 })) {
      const view = chunk.bytes;
      // Reads the view only after several more chunks have been handed over: the ring must wait for it.
      const work = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => void copies.push(Buffer.from(view)));
      chunk.hold(work);
      late.push(work);
    }
    await Promise.all(late);
    assert.strictEqual(copies.length, 11);
    assert.ok(Buffer.concat(copies).equals(bytes), 'bytes changed under pending work');
  });

  it('ends on an empty file without a chunk', async () => {
    const file = path.join(t.dir, 'empty');
    await fs.writeFile(file, '');
    const seen = [];
    for await (const chunk of readInRing(file)) seen.push(chunk);
    assert.strictEqual(seen.length, 0);
  });
});
