import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import { fixtureDiffIds, imageConfigBytes, layerTar, sampleImages, writeDockerSaveArchive, writeTarFile, type FixtureImage } from '../../fixtures/archives';
import { patchHeader, sha256Hex, tempDir } from './helpers';

/** Layer size as the engine counts it: the sum of the tar entries' sizes. */
function fixtureLayerSize(image: FixtureImage, i: number): number {
  return image.layers[i].files.reduce((n, f) => n + (f.type && f.type !== 'file' ? 0 : Buffer.byteLength(f.content ?? '')), 0);
}

describe('BuiltinStore: loading docker save archives', function () {
  this.timeout(20000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('two entries whose names are not UTF-8 and differ (0xff, 0xfe) are two files, not duplicates', async () => {
    const samples = path.join(t.dir, 'samples.tar');
    await writeDockerSaveArchive(samples, sampleImages());
    const extras = path.join(t.dir, 'extras.tar');
    await writeTarFile(extras, [
      { name: 'a', data: Buffer.from('one') },
      { name: 'b', data: Buffer.from('two') },
    ]);
    // Each extra is a header and one data block; their names become single bytes that decode alike (U+FFFD).
    let tar: Buffer = (await fs.readFile(extras)).subarray(0, 2048);
    tar = patchHeader(tar, 0, (h) => (h[0] = 0xff));
    tar = patchHeader(tar, 1024, (h) => (h[0] = 0xfe));
    const archive = path.join(t.dir, 'names.tar');
    await fs.writeFile(archive, Buffer.concat([tar, await fs.readFile(samples)]));
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    assert.deepStrictEqual((await store.loadArchive(archive)).loaded, ['sample/base:1.0', 'sample/app:1.0', 'sample/app:latest']);
  });

  for (const layout of ['legacy', 'oci'] as const) {
    for (const gzipLayers of [false, true]) {
      it(`loads the ${layout} layout${gzipLayers ? ' with gzip layers' : ''} with image ID = sha256 of the config bytes`, async () => {
        const images = sampleImages();
        const archive = path.join(t.dir, 'a.tar');
        await writeDockerSaveArchive(archive, images, { layout, gzipLayers });
        const store = new BuiltinStore(path.join(t.dir, 'store'));
        const result = await store.loadArchive(archive);
        assert.deepStrictEqual(result.loaded, ['sample/base:1.0', 'sample/app:1.0', 'sample/app:latest']);

        const expectedIds = await Promise.all(images.map(async (img) => 'sha256:' + sha256Hex(imageConfigBytes(img, await fixtureDiffIds(img)))));
        const list = await store.listImages();
        assert.deepStrictEqual(list.map((i) => i.Id).sort(), [...expectedIds].sort());
        const app = list.find((i) => i.Id === expectedIds[1])!;
        assert.deepStrictEqual(app.RepoTags, ['sample/app:1.0', 'sample/app:latest']);
        assert.strictEqual(app.Size, [0, 1, 2, 3].reduce((n, i) => n + fixtureLayerSize(images[1], i), 0));
        assert.strictEqual(app.Created, Date.parse('2024-02-01T12:00:00Z') / 1000);
        assert.strictEqual(app.Labels?.['org.opencontainers.image.description'], '<b>bold</b> [x](https://example.com) <script>alert(1)</script>');
      });
    }
  }

  it('inspects like the engine: RootFS diff IDs, Config with Go zero values, Comment from the last history row', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const images = sampleImages();
    const { ids } = await writeDockerSaveArchive(archive, images);
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(archive);
    const inspect = await store.inspectImage('sample/app:1.0');
    assert.strictEqual(inspect.Id, ids[1]);
    assert.deepStrictEqual(inspect.RootFS, { Type: 'layers', Layers: await fixtureDiffIds(images[1]) });
    assert.deepStrictEqual(inspect.Config.Cmd, ['node', '/app/server.js']);
    assert.deepStrictEqual(inspect.Config.ExposedPorts, { '8080/tcp': {} });
    assert.strictEqual(inspect.Config.Hostname, '');
    assert.strictEqual(inspect.Config.Volumes, null);
    assert.strictEqual(inspect.Comment, 'buildkit.dockerfile.v0');
    assert.strictEqual(inspect.Created, '2024-02-01T12:00:00Z');
    assert.strictEqual(inspect.Architecture, 'amd64');
    assert.strictEqual(inspect.Os, 'linux');
    assert.deepStrictEqual(inspect.RepoDigests, []);
    assert.strictEqual(inspect.Metadata.LastTagTime, '0001-01-01T00:00:00Z');
  });

  it('derives history newest first: image ID on top, <missing> below, 0 B for empty layers', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const images = sampleImages();
    const { ids } = await writeDockerSaveArchive(archive, images);
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(archive);
    const rows = await store.imageHistory('sample/app');
    const built = images[1].history!;
    assert.strictEqual(rows.length, built.length);
    assert.deepStrictEqual(rows.map((r) => r.CreatedBy), built.map((h) => h.created_by).reverse());
    assert.strictEqual(rows[0].Id, ids[1]);
    assert.deepStrictEqual(rows[0].Tags, ['sample/app:1.0', 'sample/app:latest']);
    assert.ok(rows.slice(1).every((r) => r.Id === '<missing>' && r.Tags === null));
    const layerRows = rows.filter((r) => !built[built.length - 1 - rows.indexOf(r)].empty_layer);
    assert.deepStrictEqual(layerRows.map((r) => r.Size), [3, 2, 1, 0].map((i) => fixtureLayerSize(images[1], i)));
    assert.ok(rows.filter((r) => !layerRows.includes(r)).every((r) => r.Size === 0));
  });

  it('keeps each layer once, files layers by chain ID, and mirrors the engine layout', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const { ids } = await writeDockerSaveArchive(archive, sampleImages());
    const root = path.join(t.dir, 'store');
    const store = new BuiltinStore(root);
    await store.loadArchive(archive);
    await store.loadArchive(archive);
    const data = await fs.readdir(path.join(root, 'layers', 'sha256'));
    assert.strictEqual(data.length, 4, 'L1..L4 stored once although two images share three of them');
    const chains = await fs.readdir(path.join(root, 'image', 'builtin', 'layerdb', 'sha256'));
    assert.strictEqual(chains.length, 4);
    for (const id of ids) {
      const bytes = await fs.readFile(path.join(root, 'image', 'builtin', 'imagedb', 'content', 'sha256', id.slice(7)));
      assert.strictEqual('sha256:' + sha256Hex(bytes), id);
    }
    const repos = JSON.parse(await fs.readFile(path.join(root, 'image', 'builtin', 'repositories.json'), 'utf8'));
    assert.strictEqual(repos.Repositories['sample/app']['sample/app:latest'], ids[1]);
  });

  it('streams a layer tar back byte for byte', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const images = sampleImages();
    await writeDockerSaveArchive(archive, images, { gzipLayers: true });
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(archive);
    const diffIds = await fixtureDiffIds(images[1]);
    const stream = await store.layerTar('sample/app:1.0', diffIds[3]);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(await layerTar(images[1].layers[3])));
    await assert.rejects(store.layerTar('sample/base:1.0', diffIds[3]), (e: Error & { kind?: string }) => e.kind === 'not-found');
  });

  it('loads layers too large to gather in memory, plain and gzip, as archives and gzipped archives, byte for byte', async () => {
    const { randomBytes } = await import('crypto');
    const { gzipSync } = await import('zlib');
    const image: FixtureImage = {
      tags: ['big/one:1'],
      layers: [{ files: [{ path: 'a.bin', content: randomBytes(3 << 20) }] }, { files: [{ path: 'b.bin', content: randomBytes((2 << 20) + 777) }] }],
    };
    const diffIds = await fixtureDiffIds(image);
    for (const [n, options] of [{ layout: 'legacy' }, { layout: 'oci', gzipLayers: true }, { layout: 'oci', gzipLayers: false }].entries()) {
      let archive = path.join(t.dir, `big-${n}.tar`);
      const { ids } = await writeDockerSaveArchive(archive, [image], options as { layout: 'legacy' | 'oci'; gzipLayers?: boolean });
      if (n === 2) {
        await fs.writeFile(archive + '.gz', gzipSync(await fs.readFile(archive)));
        archive += '.gz';
      }
      const store = new BuiltinStore(path.join(t.dir, `store-${n}`));
      await store.loadArchive(archive);
      const inspected = await store.inspectImage('big/one:1');
      assert.strictEqual(inspected.Id, ids[0], JSON.stringify(options));
      assert.strictEqual(inspected.Size, (3 << 20) + (2 << 20) + 777);
      for (const [i, diffId] of diffIds.entries()) {
        const chunks: Buffer[] = [];
        for await (const c of await store.layerTar('big/one:1', diffId)) chunks.push(c as Buffer);
        assert.ok(Buffer.concat(chunks).equals(await layerTar(image.layers[i])), `layer ${i} of ${JSON.stringify(options)}`);
      }
      assert.deepStrictEqual((await store.check()).problems, []);
    }
  });

  it('loads an OCI image layout folder and an untagged image, reporting its ID', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const image: FixtureImage = { tags: [], layers: [{ files: [{ path: 'x', content: 'untagged' }] }] };
    const { ids } = await writeDockerSaveArchive(archive, [image], { layout: 'oci' });
    const folder = path.join(t.dir, 'layout');
    await fs.mkdir(folder);
    const { execFileSync } = await import('child_process');
    execFileSync('tar', ['-xf', archive, '-C', folder]);
    await fs.rm(path.join(folder, 'manifest.json'));
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    const result = await store.loadArchive(folder);
    assert.deepStrictEqual(result.loaded, [ids[0]]);
    const [summary] = await store.listImages();
    assert.deepStrictEqual(summary.RepoTags, []);
    assert.ok((await fs.readdir(folder)).includes('index.json'), 'the input folder is left as it was');
  });

  it('loads a whole archive gzipped (.tar.gz)', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const { ids } = await writeDockerSaveArchive(archive, sampleImages());
    const { gzipSync } = await import('zlib');
    await fs.writeFile(archive + '.gz', gzipSync(await fs.readFile(archive)));
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(archive + '.gz');
    assert.strictEqual((await store.inspectImage('sample/base:1.0')).Id, ids[0]);
  });

  it('moves a tag to the newly loaded image, leaving the old image untagged', async () => {
    const a = path.join(t.dir, 'a.tar');
    const b = path.join(t.dir, 'b.tar');
    const one = await writeDockerSaveArchive(a, [{ tags: ['x/y:1'], layers: [{ files: [{ path: 'a', content: '1' }] }] }]);
    const two = await writeDockerSaveArchive(b, [{ tags: ['x/y:1'], layers: [{ files: [{ path: 'a', content: '2' }] }] }]);
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(a);
    await store.loadArchive(b);
    assert.strictEqual((await store.inspectImage('x/y:1')).Id, two.ids[0]);
    assert.deepStrictEqual((await store.inspectImage(one.ids[0])).RepoTags, []);
  });

  it('reports progress while loading', async () => {
    const archive = path.join(t.dir, 'a.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    const seen: string[] = [];
    await store.loadArchive(archive, { onProgress: (p) => seen.push(p.message) });
    assert.ok(seen.some((m) => m.startsWith('Verifying layer')));
    assert.strictEqual(seen[seen.length - 1], 'Committing');
  });
});
