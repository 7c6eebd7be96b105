// The sample images as the extension loads them, the one archive writer in both formats, and `check --data`
// recounting layer sizes.
import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tar from 'tar-stream';
import { createReadStream } from 'fs';
import { BuiltinStore } from '../../../src/backend/store';
import { loadSamples, writeSampleArchive } from '../../../src/backend/store/samples';
import { sampleImages, writeDockerSaveArchive } from '../../fixtures/archives';
import { tempDir } from './helpers';

async function entryNames(file: string): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    names.push(h.name);
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    createReadStream(file).pipe(extract);
  });
  return names;
}

describe('sample images and the archive writer', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('loads the samples into an empty store: two images sharing three layers, the fixture IDs', async () => {
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    const result = await loadSamples(store);
    assert.deepStrictEqual(result.loaded, ['sample/base:1.0', 'sample/app:1.0', 'sample/app:latest']);
    const { ids } = await writeDockerSaveArchive(path.join(t.dir, 'fixture.tar'), sampleImages());
    const list = await store.listImages();
    assert.deepStrictEqual(list.map((i) => i.Id).sort(), [...ids].sort());
    assert.strictEqual((await store.info()).Layers, 4);
    assert.deepStrictEqual(await fs.readdir(path.join(store.root, 'tmp')).then((n) => n.filter((x) => x.startsWith('load-'))), []);
  });

  it('writes the same bytes for the same images', async () => {
    const a = path.join(t.dir, 'a.tar');
    const b = path.join(t.dir, 'b.tar');
    await writeSampleArchive(a);
    await writeSampleArchive(b);
    assert.ok((await fs.readFile(a)).equals(await fs.readFile(b)));
  });

  it('saves in the OCI layout (Docker 25+) and loads back with the same IDs and tags', async () => {
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await loadSamples(store);
    const file = path.join(t.dir, 'oci.tar');
    await store.saveImages(['sample/app:1.0', 'sample/base'], file, { format: 'oci' });
    const names = await entryNames(file);
    assert.ok(names.includes('index.json') && names.includes('oci-layout') && names.includes('manifest.json'), names.join(' '));
    assert.strictEqual(names.filter((n) => /^blobs\/sha256\/[a-f0-9]{64}$/.test(n)).length, 4 + 2 + 2, 'four layers once, two configs, two manifests');
    const back = new BuiltinStore(path.join(t.dir, 'back'));
    const loaded = await back.loadArchiveDetailed(file);
    assert.deepStrictEqual(loaded.loaded.sort(), ['sample/app:1.0', 'sample/base:1.0']);
    for (const ref of ['sample/app:1.0', 'sample/base:1.0']) {
      assert.strictEqual((await back.inspectImage(ref)).Id, (await store.inspectImage(ref)).Id);
    }
    const legacy = path.join(t.dir, 'legacy.tar');
    await store.saveImages(['sample/app:1.0'], legacy);
    assert.ok((await entryNames(legacy)).some((n) => n.endsWith('/layer.tar')));
  });

  it('check --data recounts layer sizes and, with --repair, corrects them', async () => {
    const store = new BuiltinStore(path.join(t.dir, 'store'));
    await loadSamples(store);
    const [chain] = await fs.readdir(store.layout.layerdbChains);
    const sizeFile = path.join(store.layout.layerdbChains, chain, 'size');
    const right = await fs.readFile(sizeFile, 'utf8');
    await fs.writeFile(sizeFile, '5');
    assert.deepStrictEqual((await store.check()).problems, [], 'without --data the size is not recounted');
    const report = await store.check({ verifyData: true });
    assert.strictEqual(report.problems.length, 1);
    assert.match(report.problems[0].message, new RegExp(`says 5 bytes, but its data holds ${right}`));
    const repaired = await store.check({ verifyData: true, repair: true });
    assert.strictEqual(repaired.repaired.length, 1);
    assert.strictEqual(await fs.readFile(sizeFile, 'utf8'), right);
    assert.deepStrictEqual((await store.check({ verifyData: true })).problems, []);
  });
});
