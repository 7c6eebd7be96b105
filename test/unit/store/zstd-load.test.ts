import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { readLayerEntries } from '../../../src/backend/layer-contents';
import { BuiltinStore } from '../../../src/backend/store';
import { knownDigests } from '../../../src/backend/store/distribution';
import { StoreLayout } from '../../../src/backend/store/layout';
import { fixtureDiffIds, imageConfigBytes, sampleImages, writeDockerSaveArchive } from '../../fixtures/archives';
import { zstdStore } from '../../fixtures/zstd-frames';
import { sha256Hex, tempDir } from './helpers';

describe('BuiltinStore: zstd layers in archives', function () {
  this.timeout(20000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  for (const [name, blobOf] of [
    ['zstd layers', (tar: Buffer) => zstdStore(tar)],
    ['a gzip/zstd mix in one image', (tar: Buffer, i: number) => (i % 2 ? zstdStore(tar) : gzipSync(tar))],
  ] as const) {
    it(`loads an OCI layout with ${name}: IDs as the configs say, files shown, each blob's kind recorded`, async () => {
      const images = sampleImages();
      const archive = path.join(t.dir, 'z.tar');
      await writeDockerSaveArchive(archive, images, { layout: 'oci', blobOf });
      const store = new BuiltinStore(path.join(t.dir, 'store'));
      assert.deepStrictEqual((await store.loadArchive(archive)).loaded, ['sample/base:1.0', 'sample/app:1.0', 'sample/app:latest']);

      const app = images[1];
      const diffIds = await fixtureDiffIds(app);
      const id = 'sha256:' + sha256Hex(imageConfigBytes(app, diffIds));
      assert.deepStrictEqual((await store.inspectImage('sample/app:1.0')).Id, id);
      for (const [i, layer] of app.layers.entries()) {
        const listed = await readLayerEntries(await store.layerTar('sample/app:1.0', diffIds[i]));
        const paths = listed.entries.map((e) => e.path.replace(/\/$/, ''));
        for (const f of layer.files) assert.ok(paths.includes(f.path.replace(/\/$/, '')), `${f.path} in layer ${i}: ${paths.join(', ')}`);
        const known = await knownDigests(new StoreLayout(path.join(t.dir, 'store')), diffIds[i]);
        const zstd = blobOf(Buffer.alloc(0), i)[0] === 0x28;
        assert.strictEqual(known[0]?.Compression, zstd ? 'zstd' : 'gzip', `layer ${i}`);
      }
    });
  }

  it('a zstd layer cut short is refused with a sentence, and nothing is loaded', async () => {
    const archive = path.join(t.dir, 'cut.tar');
    await writeDockerSaveArchive(archive, sampleImages().slice(0, 1), { layout: 'oci', blobOf: (tar) => zstdStore(tar).subarray(0, 600) });
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await assert.rejects(store.loadArchive(archive), /damaged or cut short|does not match|not a valid layer/);
    assert.deepStrictEqual(await store.listImages(), []);
    await fs.rm(archive);
  });
});
