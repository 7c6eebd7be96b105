import * as assert from 'assert';
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { PassThrough, Readable } from 'stream';
import * as tar from 'tar-stream';
import { BackendError, type ImageBackend } from '../../src/backend/backend';
import { LayerContentsCache, readLayerEntries } from '../../src/backend/layer-contents';
import { overrideLimits } from '../../src/backend/limits';
import type { LayerEntry } from '../../src/core/filetree';

type Header = Parameters<tar.Pack["entry"]>[0];

async function packTar(entries: { header: Header; body?: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    if (e.body) pack.entry(e.header, e.body);
    else pack.entry(e.header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const mtime = new Date(Date.UTC(2024, 0, 1));
const f = (name: string, body: string | Buffer, mode = 0o644) => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { header: { name, type: 'file' as const, size: b.length, mode, mtime }, body: b };
};

/** The first 128 bits of the sha256, base64: what the reader keeps of a file's contents. */
const contentHash = (body: string | Buffer) => createHash('sha256').update(body).digest('base64').slice(0, 22);

describe('layer contents', () => {
  it('reads entries with path, type, size, mode and link target', async () => {
    const bytes = await packTar([
      { header: { name: './', type: 'directory', mode: 0o755, mtime } },
      { header: { name: 'etc/', type: 'directory', mode: 0o755, mtime } },
      f('etc/os-release', 'NAME=x\n'),
      f('bin/sh', Buffer.alloc(2048, 1), 0o755),
      { header: { name: 'bin/bash', type: 'symlink', linkname: 'sh', mode: 0o777, mtime } },
      { header: { name: 'bin/sh2', type: 'link', linkname: 'bin/sh', mode: 0o755, mtime } },
      f('etc/.wh.old', ''),
    ]);
    const r = await readLayerEntries(Readable.from([bytes]), { hashContents: true });
    assert.strictEqual(r.hashed, true);
    assert.deepStrictEqual(r.entries, [
      { path: 'etc', type: 'dir', size: 0, mode: 0o755 },
      { path: 'etc/os-release', type: 'file', size: 7, mode: 0o644, contentHash: contentHash('NAME=x\n'), offset: r.entries[1].offset },
      { path: 'bin/sh', type: 'file', size: 2048, mode: 0o755, contentHash: contentHash(Buffer.alloc(2048, 1)), offset: r.entries[2].offset },
      { path: 'bin/bash', type: 'symlink', size: 0, mode: 0o777, linkname: 'sh' },
      { path: 'bin/sh2', type: 'hardlink', size: 0, mode: 0o755, linkname: 'bin/sh' },
      { path: 'etc/.wh.old', type: 'file', size: 0, mode: 0o644 },
    ]);
    // Each file's offset is where its bytes sit in the tar: a later read seeks there.
    for (const [i, body] of [[1, 'NAME=x\n'], [2, Buffer.alloc(2048, 1)]] as const) {
      const e: LayerEntry = r.entries[i];
      assert.ok(e.offset, `${e.path} has an offset`);
      assert.deepStrictEqual(bytes.subarray(e.offset, e.offset + e.size), Buffer.from(body));
    }
    assert.strictEqual(r.size, 2055);
    assert.strictEqual(r.skipped, 1, 'the root entry ./');
    assert.strictEqual(r.truncated, undefined);
  });

  it('keeps hostile names under the root and only as text', async () => {
    const bytes = await packTar([
      f('../../../etc/passwd', 'x'),
      f('/abs/path', 'y'),
      f('<script>alert(1)</script>', 'z'),
      { header: { name: 'link', type: 'symlink', linkname: '/../../../../root/.ssh/id_rsa', mtime } },
    ]);
    const r = await readLayerEntries(Readable.from([bytes]));
    assert.deepStrictEqual(
      r.entries.map((e) => e.path),
      ['etc/passwd', 'abs/path', '<script>alert(1)</script>', 'link'],
    );
    assert.strictEqual(r.entries[3].linkname, '/../../../../root/.ssh/id_rsa', 'a link target is shown, never followed');
  });

  it('a tar cut off in the middle (a header claiming a huge size) gives what was read and says why', async () => {
    const whole = await packTar([f('a', 'aaaa'), f('big', Buffer.alloc(100_000, 7))]);
    const cut = whole.subarray(0, 512 + 512 + 512 + 1000); // a, its body, big's header, part of its body
    const r = await readLayerEntries(Readable.from([cut]));
    assert.deepStrictEqual(r.entries.map((e) => e.path), ['a', 'big']);
    assert.match(r.truncated ?? '', /damaged|failed/);
  });

  it('stops at the entry limit and says so', async () => {
    const bytes = await packTar(Array.from({ length: 50 }, (_, i) => f(`f${i}`, 'x')));
    const r = await readLayerEntries(Readable.from([bytes]), { maxEntries: 10 });
    assert.strictEqual(r.entries.length, 10);
    assert.match(r.truncated ?? '', /more than 10 entries/);
  });

  it('a layer of exactly the limit is whole, not "more than" the limit', async () => {
    const bytes = await packTar(Array.from({ length: 10 }, (_, i) => f(`f${i}`, 'x')));
    const r = await readLayerEntries(Readable.from([bytes]), { maxEntries: 10 });
    assert.strictEqual(r.entries.length, 10);
    assert.strictEqual(r.truncated, undefined);
  });

  it('streams: memory holds the list, not the bodies, and a 100k-entry layer reads', async function () {
    this.timeout(30_000);
    const pack = tar.pack();
    const out = new PassThrough();
    pack.pipe(out);
    const feeding = (async () => {
      for (let i = 0; i < 100_000; i++) {
        await new Promise<void>((resolve, reject) => pack.entry({ name: `d${i % 100}/f${i}`, size: 1, mtime }, Buffer.from('x'), (e) => (e ? reject(e) : resolve())));
      }
      pack.finalize();
    })();
    const r = await readLayerEntries(out);
    await feeding;
    assert.strictEqual(r.entries.length, 100_000);
    assert.strictEqual(r.size, 100_000);
  });

  it('is cancelled by its signal', async () => {
    const stream = new PassThrough();
    const abort = new AbortController();
    const reading = readLayerEntries(stream, { signal: abort.signal });
    stream.write(Buffer.alloc(512));
    abort.abort();
    await assert.rejects(reading, (e: unknown) => BackendError.is(e, 'cancelled'));
  });

  it('caches per diff ID and shares one read between callers', async () => {
    const bytes = await packTar([f('a', 'a')]);
    let reads = 0;
    const backend = {
      layerTar: async () => {
        reads++;
        return Readable.from([bytes]);
      },
    } as unknown as ImageBackend;
    const cache = new LayerContentsCache();
    const [x, y] = await Promise.all([cache.load(backend, 'img', 'sha256:1'), cache.load(backend, 'other', 'sha256:1')]);
    const z = await cache.load(backend, 'img', 'sha256:1');
    assert.strictEqual(reads, 1);
    assert.strictEqual(x, y);
    assert.strictEqual(x, z);
    await cache.load(backend, 'img', 'sha256:2');
    assert.strictEqual(reads, 2);
  });

  it('one caller giving up does not cancel the read another waits for; the last one does', async () => {
    const bytes = await packTar([f('a', 'a')]);
    const streams: PassThrough[] = [];
    const backend = {
      layerTar: async () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
    } as unknown as ImageBackend;
    const cache = new LayerContentsCache();
    const first = new AbortController();
    const a = cache.load(backend, 'img', 'sha256:1', { signal: first.signal });
    const b = cache.load(backend, 'img', 'sha256:1');
    await new Promise((r) => setImmediate(r));
    first.abort();
    await assert.rejects(a, (e: unknown) => BackendError.is(e, 'cancelled'));
    streams[0].end(bytes);
    assert.strictEqual((await b).entries.length, 1);
    assert.strictEqual(streams.length, 1);

    const only = new AbortController();
    const c = cache.load(backend, 'img', 'sha256:2', { signal: only.signal });
    await new Promise((r) => setImmediate(r));
    only.abort();
    await assert.rejects(c, (e: unknown) => BackendError.is(e, 'cancelled'));
    const d = cache.load(backend, 'img', 'sha256:2');
    await new Promise((r) => setImmediate(r));
    assert.strictEqual(streams.length, 3, 'a cancelled read is not cached; the next caller reads again');
    streams[2].end(bytes);
    assert.strictEqual((await d).entries.length, 1);
  });

  it('drops the least recently used lists beyond its budget', async () => {
    const bytes = await packTar([f('a', 'a'), f('b', 'b')]);
    const backend = { layerTar: async () => Readable.from([bytes]) } as unknown as ImageBackend;
    const cache = new LayerContentsCache(4);
    await cache.load(backend, 'i', 'sha256:1');
    await cache.load(backend, 'i', 'sha256:2');
    cache.get('sha256:1');
    await cache.load(backend, 'i', 'sha256:3');
    assert.ok(cache.get('sha256:1'), 'recently used');
    assert.strictEqual(cache.get('sha256:2'), undefined);
    assert.ok(cache.get('sha256:3'));
  });

  describe('contents hashes', () => {
    const files = [f('etc/os-release', 'NAME=x\n'), f('bin/sh', Buffer.alloc(300_000, 1), 0o755), f('bin/sh.new', Buffer.alloc(300_000, 2), 0o755)];
    const hashesOf = (entries: LayerEntry[]) => entries.filter((e) => e.type === 'file').map((e) => [e.path, e.contentHash]);
    const wanted = [
      ['etc/os-release', contentHash('NAME=x\n')],
      ['bin/sh', contentHash(Buffer.alloc(300_000, 1))],
      ['bin/sh.new', contentHash(Buffer.alloc(300_000, 2))],
    ];

    it('are taken only when asked: a list for Wasted Space or the tree has none', async () => {
      const r = await readLayerEntries(Readable.from([await packTar(files)]));
      assert.strictEqual(r.hashed, undefined);
      assert.deepStrictEqual(hashesOf(r.entries), wanted.map(([p]) => [p, undefined]));
    });

    it('a cached list read without them is hashed from its spooled tar, not read again', async () => {
      const bytes = await packTar(files);
      let reads = 0;
      const backend = { layerTar: async () => (reads++, Readable.from([bytes])) } as unknown as ImageBackend;
      const cache = new LayerContentsCache();
      const plain = await cache.load(backend, 'img', 'sha256:1', { keepTar: true });
      assert.ok(plain.tarFile, 'spooled');
      assert.strictEqual(plain.entries[1].contentHash, undefined);
      const [a, b] = await Promise.all([
        cache.load(backend, 'img', 'sha256:1', { hashContents: true }),
        cache.load(backend, 'img', 'sha256:1', { hashContents: true }),
      ]);
      assert.strictEqual(reads, 1);
      assert.strictEqual(a, plain);
      assert.strictEqual(b, plain);
      assert.strictEqual(a.hashed, true);
      assert.deepStrictEqual(hashesOf(a.entries), wanted);
      cache.clear();
    });

    it('without its tar on disk the layer is read again, hashing as it passes', async () => {
      const bytes = await packTar(files);
      let reads = 0;
      const backend = { layerTar: async () => (reads++, Readable.from([bytes])) } as unknown as ImageBackend;
      const cache = new LayerContentsCache();
      const plain = await cache.load(backend, 'img', 'sha256:1', { keepTar: true });
      cache.spool.release(plain.tarFile as string); // as when the spool's budget pushed it out
      await new Promise((r) => setTimeout(r, 20));
      const hashed = await cache.load(backend, 'img', 'sha256:1', { hashContents: true });
      assert.strictEqual(reads, 2);
      assert.strictEqual(hashed.hashed, true);
      assert.deepStrictEqual(hashesOf(hashed.entries), wanted);
      assert.strictEqual(cache.get('sha256:1'), hashed, 'the hashed list replaces the one without');
      cache.clear();
    });

    it('a tar on disk that no longer matches the list is not trusted: the layer is read again', async () => {
      const bytes = await packTar(files);
      const other = await packTar([f('etc/os-release', 'NAME=y\n'), f('bin/sh', Buffer.alloc(10, 1))]);
      let reads = 0;
      const backend = { layerTar: async () => (reads++, Readable.from([bytes])) } as unknown as ImageBackend;
      const cache = new LayerContentsCache();
      const plain = await cache.load(backend, 'img', 'sha256:1', { keepTar: true });
      const { writeFileSync } = await import('fs');
      writeFileSync(plain.tarFile as string, other);
      const hashed = await cache.load(backend, 'img', 'sha256:1', { hashContents: true });
      assert.strictEqual(reads, 2);
      assert.deepStrictEqual(hashesOf(hashed.entries), wanted);
      cache.clear();
    });

    it('without a tar kept, a list is hashed by reading the layer again', async () => {
      const bytes = await packTar(files);
      let reads = 0;
      const backend = { layerTar: async () => (reads++, Readable.from([bytes])) } as unknown as ImageBackend;
      const cache = new LayerContentsCache();
      await cache.load(backend, 'img', 'sha256:1');
      const hashed = await cache.load(backend, 'img', 'sha256:1', { hashContents: true });
      assert.strictEqual(reads, 2);
      assert.deepStrictEqual(hashesOf(hashed.entries), wanted);
      assert.strictEqual(hashed.tarFile, undefined, 'nor is a tar kept when none was asked for');
    });
  });

  describe('the tar kept on disk', () => {
    it('only for a reader that asks; a list read without is read once more, then kept', async () => {
      const bytes = await packTar([f('a', 'a'), f('b', 'bb')]);
      let reads = 0;
      const backend = { layerTar: async () => (reads++, Readable.from([bytes])) } as unknown as ImageBackend;
      const cache = new LayerContentsCache();
      const report = await cache.load(backend, 'img', 'sha256:1');
      assert.strictEqual(report.tarFile, undefined);
      assert.strictEqual(cache.spool.bytes, 0, 'a report writes nothing to disk');
      const files = await cache.load(backend, 'img', 'sha256:1', { keepTar: true });
      assert.strictEqual(reads, 2);
      assert.ok(files.tarFile);
      assert.deepStrictEqual(readFileSync(files.tarFile), bytes);
      assert.strictEqual(await cache.load(backend, 'img', 'sha256:1'), files, 'a list with its tar serves every reader');
      assert.strictEqual(await cache.load(backend, 'img', 'sha256:1', { keepTar: true }), files);
      assert.strictEqual(reads, 2);
      cache.clear();
    });

    it('a layer larger than the spool is not read again for a tar it cannot keep', async () => {
      const bytes = await packTar([f('a', Buffer.alloc(4096, 1))]);
      let reads = 0;
      const backend = { layerTar: async () => (reads++, Readable.from([bytes])) } as unknown as ImageBackend;
      const cache = new LayerContentsCache();
      const restore = overrideLimits({ layerSpoolBytes: 1024 });
      try {
        const first = await cache.load(backend, 'img', 'sha256:1', { keepTar: true });
        assert.strictEqual(first.tarFile, undefined);
        assert.strictEqual(first.entries.length, 1);
        assert.strictEqual(await cache.load(backend, 'img', 'sha256:1', { keepTar: true }), first);
        assert.strictEqual(reads, 1);
      } finally {
        restore();
      }
    });
  });
});
