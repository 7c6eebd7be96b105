import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import type { RemoveReportItem } from '../../../src/core/model';
import { writeDockerSaveArchive, type FixtureImage } from '../../fixtures/archives';
import { kindOf, sampleStore, tempDir } from './helpers';

describe('BuiltinStore: names, tags, remove, prune, disk usage, save', function () {
  this.timeout(20000);
  let t: ReturnType<typeof tempDir>;
  let store: BuiltinStore;
  let ids: string[];
  beforeEach(async () => {
    t = tempDir();
    ({ store, ids } = await sampleStore(t.dir));
  });
  afterEach(() => t.cleanup());

  it('resolves names like docker: default tag, docker.io forms, full and short IDs', async () => {
    for (const ref of ['sample/app', 'sample/app:latest', 'docker.io/sample/app:1.0', ids[1], ids[1].slice(7), ids[1].slice(7, 19)]) {
      assert.strictEqual((await store.inspectImage(ref)).Id, ids[1], ref);
    }
    await assert.rejects(store.inspectImage('sample/app:2.0'), kindOf('not-found'));
    await assert.rejects(store.inspectImage('sample/base'), kindOf('not-found'), 'no :latest tag on the base');
  });

  it('tags with docker.io/library normalisation and shows the familiar form', async () => {
    await store.tagImage('sample/base:1.0', 'docker.io/library/nginx', 'latest');
    const inspect = await store.inspectImage('nginx');
    assert.strictEqual(inspect.Id, ids[0]);
    assert.deepStrictEqual(inspect.RepoTags, ['nginx:latest', 'sample/base:1.0']);
    assert.notStrictEqual(inspect.Metadata.LastTagTime, '0001-01-01T00:00:00Z');
    await assert.rejects(store.tagImage('sample/base:1.0', 'Bad Name', 'x'), kindOf('invalid-input'));
  });

  it('removing one of two tags only untags', async () => {
    const rows = await store.removeImage('sample/app:1.0');
    assert.deepStrictEqual(rows, [{ Untagged: 'sample/app:1.0' }]);
    assert.deepStrictEqual((await store.inspectImage(ids[1])).RepoTags, ['sample/app:latest']);
  });

  it('refuses to remove by ID an image two tags name, unless forced', async () => {
    await assert.rejects(store.removeImage(ids[1].slice(7, 19)), (e: Error & { kind?: string }) => e.kind === 'conflict' && /referenced in multiple repositories/.test(e.message));
    const rows = await store.removeImage(ids[1].slice(7, 19), { force: true });
    assert.deepStrictEqual(rows.slice(0, 3), [{ Untagged: 'sample/app:1.0' }, { Untagged: 'sample/app:latest' }, { Deleted: ids[1] }]);
    assert.strictEqual(rows.length, 4, 'only L4 goes: the base still uses L1..L3');
  });

  it('keeps shared layers while another image uses them and frees them with the last one', async () => {
    const rows = await store.removeImage('sample/base:1.0');
    assert.deepStrictEqual(rows, [{ Untagged: 'sample/base:1.0' }, { Deleted: ids[0] }]);
    assert.strictEqual((await store.imageHistory('sample/app:1.0')).length, 10);
    assert.strictEqual((await fs.readdir(path.join(store.root, 'layers', 'sha256'))).length, 4);
    await store.removeImage('sample/app:1.0');
    const last: RemoveReportItem[] = await store.removeImage('sample/app:latest');
    assert.strictEqual(last.filter((r) => 'Deleted' in r).length, 5, 'the image and its four layers');
    assert.deepStrictEqual(await fs.readdir(path.join(store.root, 'layers', 'sha256')), []);
    assert.deepStrictEqual((await store.check()).problems, []);
  });

  it('prunes dangling images only, reporting reclaimed space', async () => {
    const archive = path.join(t.dir, 'b.tar');
    const lone: FixtureImage = { tags: [], layers: [{ files: [{ path: 'lone', content: 'x'.repeat(100) }] }] };
    const { ids: [loneId] } = await writeDockerSaveArchive(archive, [lone]);
    await store.loadArchive(archive);
    const report = await store.pruneImages({ danglingOnly: true });
    assert.deepStrictEqual(report.ImagesDeleted[0], { Deleted: loneId });
    assert.strictEqual(report.SpaceReclaimed, 100);
    assert.strictEqual((await store.listImages()).length, 2);
    const all = await store.pruneImages({ danglingOnly: false });
    assert.ok(all.ImagesDeleted.some((r) => 'Untagged' in r && r.Untagged === 'sample/base:1.0'));
    assert.deepStrictEqual(await store.listImages(), []);
  });

  it('computes disk usage like docker system df -v', async () => {
    const df = await store.diskUsage();
    const base = df.Images.find((i) => i.Id === ids[0])!;
    const app = df.Images.find((i) => i.Id === ids[1])!;
    assert.strictEqual(base.SharedSize, base.Size, 'all of the base is shared with the app');
    assert.strictEqual(app.SharedSize, base.Size);
    assert.strictEqual(df.LayersSize, app.Size, 'the app holds every layer');
    assert.deepStrictEqual(df.Parts!.map((p) => p.name), ['imagedb', 'layerdb', 'layers']);
    assert.ok(df.Parts!.every((p) => p.bytes > 0));
    assert.strictEqual((await store.listImages())[0].SharedSize, -1, 'listImages leaves it uncomputed, like dockerd');
  });

  it('saves an archive that loads into a fresh store with the same IDs and tags', async () => {
    const out = path.join(t.dir, 'saved.tar');
    await store.saveImages(['sample/app', 'sample/base:1.0'], out);
    const fresh = new BuiltinStore(path.join(t.dir, 'fresh'));
    const result = await fresh.loadArchive(out);
    assert.deepStrictEqual([...result.loaded].sort(), ['sample/app:1.0', 'sample/app:latest', 'sample/base:1.0']);
    assert.deepStrictEqual((await fresh.listImages()).map((i) => i.Id).sort(), [...ids].sort());
    await assert.rejects(store.saveImages(['nope:1'], path.join(t.dir, 'x.tar')), kindOf('not-found'));
    await assert.rejects(fs.access(path.join(t.dir, 'x.tar')));
  });

  it('tells watchers about changes made once the watch is ready', async () => {
    let tagged: (id: string) => void = () => undefined;
    const tag = new Promise<string>((resolve) => (tagged = resolve));
    const watcher = store.watch((e) => e.Action === 'tag' && tagged(e.Id));
    try {
      await watcher.ready;
      await store.tagImage('sample/base:1.0', 'sample/base', 'watched');
      assert.strictEqual(await tag, (await store.inspectImage('sample/base:watched')).Id);
    } finally {
      watcher.dispose();
    }
  });

  it('answers info and ping', async () => {
    await store.ping();
    const info = await store.info();
    assert.strictEqual(info.Kind, 'builtin');
    assert.strictEqual(info.Images, 2);
    assert.strictEqual(info.Layers, 4);
    assert.strictEqual(info.DockerRootDir, store.root);
  });

  it('lets two stores on one folder load at the same time without losing either', async () => {
    const a = path.join(t.dir, 'p.tar');
    const b = path.join(t.dir, 'q.tar');
    const pa = await writeDockerSaveArchive(a, [{ tags: ['p/p:1'], layers: [{ files: [{ path: 'p', content: 'p' }] }] }]);
    const pb = await writeDockerSaveArchive(b, [{ tags: ['q/q:1'], layers: [{ files: [{ path: 'q', content: 'q' }] }] }]);
    const other = new BuiltinStore(store.root);
    await Promise.all([store.loadArchive(a), other.loadArchive(b), store.tagImage('sample/app:1.0', 'r/r', '1')]);
    assert.strictEqual((await store.inspectImage('p/p:1')).Id, pa.ids[0]);
    assert.strictEqual((await store.inspectImage('q/q:1')).Id, pb.ids[0]);
    assert.strictEqual((await store.inspectImage('r/r:1')).Id, ids[1]);
  });
});
