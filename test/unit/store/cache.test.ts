import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import { parseSummary, serialiseSummary } from '../../../src/backend/store/summary';
import type { ImageSummary } from '../../../src/core/model';
import { kindOf, sampleStore, tempDir } from './helpers';

describe('BuiltinStore: the cached picture and the summary index', function () {
  this.timeout(20000);
  let t: ReturnType<typeof tempDir>;
  let store: BuiltinStore;
  let ids: string[];
  let expected: ImageSummary[];
  let summaryFile: string;
  beforeEach(async () => {
    t = tempDir();
    ({ store, ids } = await sampleStore(t.dir));
    summaryFile = store.layout.summary;
    expected = await new BuiltinStore(store.root).listImages();
  });
  afterEach(() => t.cleanup());

  it('writes the index at load, with every image', async () => {
    const entries = parseSummary(await fs.readFile(summaryFile, 'utf8'));
    assert.deepStrictEqual([...(entries?.keys() ?? [])].sort(), [...ids].sort());
    assert.deepStrictEqual(expected.map((i) => i.Id).sort(), [...ids].sort());
  });

  it('a second instance on the same root sees a tag the first made, and a removal', async () => {
    const other = new BuiltinStore(store.root);
    assert.deepStrictEqual(await other.listImages(), expected, 'listed once, so its picture is cached');
    await store.tagImage('sample/base:1.0', 'seen/elsewhere', 'v1');
    const base = (await other.listImages()).find((i) => i.Id === ids[0]);
    assert.deepStrictEqual(base?.RepoTags, ['sample/base:1.0', 'seen/elsewhere:v1']);
    assert.deepStrictEqual((await other.inspectImage('seen/elsewhere:v1')).Id, ids[0]);

    await store.removeImage('sample/app:1.0');
    await store.removeImage('sample/app:latest');
    assert.deepStrictEqual((await other.listImages()).map((i) => i.Id), [ids[0]]);
    await assert.rejects(other.inspectImage(ids[1]), kindOf('not-found'));
    await assert.rejects(other.imageHistory(ids[1]), kindOf('not-found'));
    assert.deepStrictEqual([...(parseSummary(await fs.readFile(summaryFile, 'utf8'))?.keys() ?? [])], [ids[0]], 'the index drops the removed image');
  });

  it('a refresh after nothing changed answers from the cache', async () => {
    const first = await store.listImages();
    const again = await store.listImages();
    assert.deepStrictEqual(again, first);
    assert.deepStrictEqual(await store.imageHistory('sample/app:1.0'), await new BuiltinStore(store.root).imageHistory('sample/app:1.0'));
  });

  it('a deleted index is rebuilt from the files, not missed', async () => {
    await fs.rm(summaryFile);
    assert.deepStrictEqual(await new BuiltinStore(store.root).listImages(), expected);
    assert.deepStrictEqual([...(parseSummary(await fs.readFile(summaryFile, 'utf8'))?.keys() ?? [])].sort(), [...ids].sort(), 'a reader saved it again');
  });

  for (const [what, damage] of [
    ['truncated', (text: string) => text.slice(0, text.length - 40)],
    ['not JSON', () => 'garbage\n{'],
    ['edited without its checksum', (text: string) => text.replace(/"sizes":\[(\d+)/, (_m, n: string) => `"sizes":[${Number(n) + 1000}`)],
  ] as const) {
    it(`an index ${what} is not trusted`, async () => {
      const text = await fs.readFile(summaryFile, 'utf8');
      const damaged = damage(text);
      assert.notStrictEqual(damaged, text);
      await fs.writeFile(summaryFile, damaged);
      assert.deepStrictEqual(await new BuiltinStore(store.root).listImages(), expected);
      assert.deepStrictEqual(await store.listImages(), expected, 'the instance that cached the old picture too');
      assert.strictEqual(await fs.readFile(summaryFile, 'utf8'), text, 'rebuilt as it was');
    });
  }

  it('an index behind imagedb (a writer that died, an older version) is completed from the files', async () => {
    const entries = parseSummary(await fs.readFile(summaryFile, 'utf8'))!;
    entries.delete(ids[1]);
    await fs.writeFile(summaryFile, serialiseSummary(entries.values()));
    assert.deepStrictEqual(await new BuiltinStore(store.root).listImages(), expected);
    assert.strictEqual(parseSummary(await fs.readFile(summaryFile, 'utf8'))?.size, 2);
  });

  it('check rebuilds an index whose sizes are wrong (checksum and all), and other instances follow', async () => {
    const before = await fs.readFile(summaryFile, 'utf8');
    const entries = parseSummary(before)!;
    for (const e of entries.values()) e.sizes = e.sizes.map((s) => (s ?? 0) + 1);
    await fs.writeFile(summaryFile, serialiseSummary(entries.values()));
    const cached = new BuiltinStore(store.root);
    assert.notDeepStrictEqual(await cached.listImages(), expected, 'a well-formed index is trusted by readers');
    const report = await store.check();
    assert.deepStrictEqual(report.problems, []);
    assert.match(report.recovered.join(' '), /summary index/);
    assert.strictEqual(await fs.readFile(summaryFile, 'utf8'), before);
    assert.deepStrictEqual(await cached.listImages(), expected, 'the cached instance re-reads the rewritten index');
    assert.deepStrictEqual((await store.check()).recovered, [], 'nothing to rebuild the second time');
  });

  it('a layer record gone is reported by history as before, once the index is rebuilt', async () => {
    const [chain] = (await store.inspectImage('sample/app:1.0')).RootFS.Layers;
    await fs.rm(path.join(store.layout.layerdbChains, chain.slice(7)), { recursive: true });
    await fs.rm(summaryFile);
    await assert.rejects(new BuiltinStore(store.root).imageHistory('sample/app:1.0'), kindOf('corrupt'));
  });
});
