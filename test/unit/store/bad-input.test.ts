import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import { imageConfigBytes, layerTar, sampleImages, writeDockerSaveArchive, writeTarFile, type Entry, type FixtureImage } from '../../fixtures/archives';
import { fingerprint, patchFirstHeaderSize, sha256Hex, tempDir } from './helpers';

const small: FixtureImage = { tags: ['bad/one:1'], layers: [{ files: [{ path: 'f', content: 'hello' }] }] };

/** A legacy archive of `small`, with its pieces for tests to break. */
async function smallEntries(): Promise<{ entries: Entry[]; layer: Buffer; config: Buffer }> {
  const layer = await layerTar(small.layers[0]);
  const config = imageConfigBytes(small, ['sha256:' + sha256Hex(layer)]);
  const manifest = [{ Config: 'c.json', RepoTags: ['bad/one:1'], Layers: ['l/layer.tar'] }];
  return {
    layer,
    config,
    entries: [
      { name: 'l/layer.tar', data: layer },
      { name: 'c.json', data: config },
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
    ],
  };
}

describe('BuiltinStore: bad input leaves the store as it was', function () {
  this.timeout(20000);
  let t: ReturnType<typeof tempDir>;
  let store: BuiltinStore;
  let before: string[];
  beforeEach(async () => {
    t = tempDir();
    const archive = path.join(t.dir, 'good.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(archive);
    before = await fingerprint(store.root);
  });
  afterEach(() => t.cleanup());

  async function expectRejected(archive: string, kind: string, sentence: RegExp): Promise<void> {
    await assert.rejects(store.loadArchive(archive), (e: Error & { kind?: string }) => {
      assert.strictEqual(e.kind, kind, e.message);
      assert.match(e.message, sentence);
      return true;
    });
    assert.deepStrictEqual(await fingerprint(store.root), before, 'store changed');
    assert.deepStrictEqual(await fs.readdir(path.join(store.root, 'tmp')), [], 'staging left behind');
  }

  const write = async (entries: Entry[]) => {
    const file = path.join(t.dir, 'bad.tar');
    await writeTarFile(file, entries);
    return file;
  };

  it('a truncated archive', async () => {
    const file = path.join(t.dir, 'trunc.tar');
    await writeDockerSaveArchive(file, sampleImages());
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2) + 100));
    await expectRejected(file, 'corrupt', /truncated|not a readable tar|manifest/);
  });

  it('a file that is not a tar at all', async () => {
    const file = path.join(t.dir, 'junk.tar');
    await fs.writeFile(file, Buffer.alloc(5000, 0x41));
    await expectRejected(file, 'corrupt', /not a readable tar/);
  });

  it('a layer whose bytes do not match the diff ID in the config', async () => {
    const { entries } = await smallEntries();
    entries[0] = { name: 'l/layer.tar', data: await layerTar({ files: [{ path: 'f', content: 'HELLO' }] }) };
    await expectRejected(await write(entries), 'corrupt', /Layer 1 of bad\/one:1 has diff ID .* but the image config expects/);
  });

  it('an OCI blob whose bytes do not match its name', async () => {
    const file = path.join(t.dir, 'oci.tar');
    await writeDockerSaveArchive(file, [small], { layout: 'oci' });
    const dir = path.join(t.dir, 'x');
    await fs.mkdir(dir);
    const { execFileSync } = await import('child_process');
    execFileSync('tar', ['-xf', file, '-C', dir]);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const layerPath = path.join(dir, manifest[0].Layers[0]);
    const bytes = await fs.readFile(layerPath);
    bytes[600] ^= 1; // inside the file's content, so the tar still parses
    await fs.writeFile(layerPath, bytes);
    execFileSync('tar', ['-cf', file, '-C', dir, '.']);
    await expectRejected(file, 'corrupt', /does not match its digest/);
  });

  it('a large gzip layer broken half-way, and a large layer that is not a tar', async () => {
    const { randomBytes } = await import('crypto');
    const { gzipSync } = await import('zlib');
    const big = await layerTar({ files: [{ path: 'big', content: randomBytes(3 << 20) }] });
    const config = imageConfigBytes(small, ['sha256:' + sha256Hex(big)]);
    const manifest = Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: ['bad/one:1'], Layers: ['l/layer.tar'] }]));
    const gz = gzipSync(big);
    gz.fill(0xff, gz.length >> 1, (gz.length >> 1) + 4096);
    await expectRejected(await write([{ name: 'l/layer.tar', data: gz }, { name: 'c.json', data: config }, { name: 'manifest.json', data: manifest }]), 'corrupt', /The entry "l\/layer\.tar" of bad\.tar is not a valid layer tar/);

    const junk = randomBytes(3 << 20);
    const junkConfig = imageConfigBytes(small, ['sha256:' + sha256Hex(junk)]);
    await expectRejected(await write([{ name: 'l/layer.tar', data: junk }, { name: 'c.json', data: junkConfig }, { name: 'manifest.json', data: manifest }]), 'corrupt', /Layer 1 of bad\/one:1 is not a valid layer tar \(Invalid tar header/);
  });

  it('a manifest.json that is not JSON', async () => {
    const { entries } = await smallEntries();
    entries[2] = { name: 'manifest.json', data: Buffer.from('[{"Config": ') };
    await expectRejected(await write(entries), 'invalid-input', /manifest\.json .* not valid JSON/);
  });

  it('a config that is not JSON', async () => {
    const { entries } = await smallEntries();
    entries[1] = { name: 'c.json', data: Buffer.from('{oops') };
    await expectRejected(await write(entries), 'invalid-input', /config of bad\/one:1 is not valid JSON/);
  });

  it('a path with ../ in it', async () => {
    const { entries } = await smallEntries();
    entries.push({ name: '../escape', data: Buffer.from('x') });
    await expectRejected(await write(entries), 'invalid-input', /leaves the archive/);
  });

  it('an absolute path', async () => {
    const { entries } = await smallEntries();
    entries.unshift({ name: '/etc/evil', data: Buffer.from('x') });
    await expectRejected(await write(entries), 'invalid-input', /absolute path/);
  });

  it('a link pointing out of the archive', async () => {
    const { entries } = await smallEntries();
    entries[0] = { name: 'l/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' };
    await expectRejected(await write(entries), 'invalid-input', /pointing outside the archive/);
  });

  // Both once took minutes of CPU, then "Maximum call stack size exceeded".
  it('a link into itself (d -> d/x) named by the manifest: refused at once, naming the entry', async () => {
    const { entries } = await smallEntries();
    entries[0] = { name: 'd', type: 'symlink', linkname: 'd/x' };
    const manifest = [{ Config: 'c.json', RepoTags: ['bad/one:1'], Layers: ['d'] }];
    entries[2] = { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) };
    const t0 = Date.now();
    await expectRejected(await write(entries), 'invalid-input', /names "d", whose links go round in a loop/);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });

  it('two folder links pointing at each other: refused at once, naming the entry', async () => {
    const { entries } = await smallEntries();
    entries[0] = { name: 'a', type: 'symlink', linkname: 'b' };
    entries.unshift({ name: 'b', type: 'symlink', linkname: 'a' });
    const manifest = [{ Config: 'c.json', RepoTags: ['bad/one:1'], Layers: ['a/layer.tar'] }];
    entries[3] = { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) };
    await expectRejected(await write(entries), 'invalid-input', /names "a\/layer\.tar", whose links go round in a loop/);
  });

  it('two entries with one name', async () => {
    const { entries } = await smallEntries();
    entries.push({ name: 'c.json', data: Buffer.from('{}') });
    await expectRejected(await write(entries), 'invalid-input', /two entries named "c\.json"/);
  });

  it('a manifest naming a layer the archive lacks', async () => {
    const { entries } = await smallEntries();
    entries.shift();
    await expectRejected(await write(entries), 'invalid-input', /layer 1 of bad\/one:1 "l\/layer\.tar", but the archive has no such file/);
  });

  it('a manifest whose layer count differs from the config', async () => {
    const { entries } = await smallEntries();
    entries[2] = { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: ['bad/one:1'], Layers: ['l/layer.tar', 'l/layer.tar'] }])) };
    await expectRejected(await write(entries), 'invalid-input', /lists 2 layers but its config lists 1/);
  });

  it('a tar header declaring a huge size', async () => {
    const { entries } = await smallEntries();
    const file = await write(entries);
    await fs.writeFile(file, patchFirstHeaderSize(await fs.readFile(file), 0o77777777776));
    await expectRejected(file, 'invalid-input', /declares \d+ bytes for "l\/layer\.tar"/);
  });

  it('an invalid tag', async () => {
    const { entries } = await smallEntries();
    entries[2] = { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: ['UPPER/Case:1'], Layers: ['l/layer.tar'] }])) };
    await expectRejected(await write(entries), 'invalid-input', /invalid tag/);
  });

  it('a cancelled load', async () => {
    const file = path.join(t.dir, 'c.tar');
    await writeDockerSaveArchive(file, [{ tags: ['c/c:1'], layers: [{ files: [{ path: 'big', content: Buffer.alloc(8 * 1024 * 1024, 7) }] }] }]);
    const controller = new AbortController();
    const loading = store.loadArchive(file, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(loading, (e: Error & { kind?: string }) => e.kind === 'cancelled');
    assert.deepStrictEqual(await fingerprint(store.root), before);
    assert.deepStrictEqual(await fs.readdir(path.join(store.root, 'tmp')), []);
  });

  it('a staging folder that cannot be written: the store is named, not the archive, for large and small entries', async () => {
    const { stageArchive } = await import('../../../src/backend/store/archive-reader');
    const { randomBytes } = await import('crypto');
    for (const size of [100, 3 << 20]) {
      const file = await write([{ name: 'blob', data: randomBytes(size) }]);
      await assert.rejects(stageArchive(file, path.join(t.dir, 'gone')), (e: Error & { kind?: string }) => {
        assert.strictEqual(e.kind, 'failed', e.message);
        assert.match(e.message, /^Copying bad\.tar into the store's staging folder failed \(ENOENT/);
        return true;
      });
    }
  });

  it('a gzip layer that cannot be staged: the staging is named, not the layer', async () => {
    const { stageArchive } = await import('../../../src/backend/store/archive-reader');
    const { gzipSync } = await import('zlib');
    const { randomBytes } = await import('crypto');
    for (const size of [100, 3 << 20]) {
      const layer = gzipSync(await layerTar({ files: [{ path: 'big.bin', content: randomBytes(size) }] }));
      const file = await write([{ name: 'layer.tar.gz', data: layer }]);
      await assert.rejects(stageArchive(file, path.join(t.dir, 'gone')), (e: Error & { kind?: string }) => {
        assert.strictEqual(e.kind, 'failed', e.message);
        assert.match(e.message, /could not be read or staged \(ENOENT/);
        return true;
      });
    }
  });

  it('an archive whose drive fails while it is read: the read is named, not the archive', async () => {
    const { stageArchive } = await import('../../../src/backend/store/archive-reader');
    const { randomBytes } = await import('crypto');
    const file = await write([{ name: 'blob', data: randomBytes(5 << 20) }]);
    const staging = path.join(t.dir, 'staging-eio');
    await fs.mkdir(staging);
    const open = fs.open;
    // The archive's reads fail after the first few MiB, as on a failing drive or a dropped network share.
    fs.open = (async (p: string, flags?: string, mode?: number) => {
      const handle = await open(p, flags, mode);
      if (p !== file || (flags ?? 'r') !== 'r') return handle;
      let reads = 0;
      const read = handle.read.bind(handle);
      handle.read = ((...args: Parameters<typeof read>) => {
        if (++reads > 3) return Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read' }));
        return read(...args);
      }) as typeof handle.read;
      return handle;
    }) as typeof fs.open;
    try {
      await assert.rejects(stageArchive(file, staging), (e: Error & { kind?: string }) => {
        assert.strictEqual(e.kind, 'failed', e.message);
        assert.strictEqual(e.message, 'Reading bad.tar failed (EIO: i/o error, read).');
        return true;
      });
    } finally {
      fs.open = open;
    }
  });

  it('a missing archive', async () => {
    await assert.rejects(store.loadArchive(path.join(t.dir, 'nope.tar')), (e: Error & { kind?: string }) => e.kind === 'not-found');
  });
});
