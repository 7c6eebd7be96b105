// DockerBackend against a real dockerd and a real podman: what a user sees in the views and commands.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { imageEfficiency, LayerContentsCache, readLayerEntries, type LayerContents } from '../../src/backend/layer-contents';
import { BuiltinStore } from '../../src/backend/store';
import type { ImageEvent } from '../../src/core/model';
import { fixtureDiffIds, sampleImages, SAMPLE_LAYERS, writeDockerSaveArchive, type FixtureImage } from '../fixtures/archives';
import { ENGINES, services, socketOf, tempDir } from './env';

const UNTAGGED: FixtureImage = {
  tags: [],
  layers: [{ files: [{ path: 'untagged.txt', content: 'nobody named me\n' }] }],
  created: '2024-03-01T00:00:00Z',
};

function hasTag(tags: string[], short: string): boolean {
  // Podman keeps its own spelling (localhost/x, docker.io/x): a short name matches its tail after a '/'.
  return tags.some((t) => t === short || t.endsWith(`/${short}`));
}

for (const engine of ENGINES) {
  describe(`DockerBackend on ${engine}`, function () {
    this.timeout(60_000);
    let backend: DockerBackend;
    let archive: string;
    let ids: string[];
    let untaggedId: string;
    let dir: string;

    before(async function () {
      backend = new DockerBackend({ host: await socketOf(engine) });
      dir = await tempDir(`engine-${engine}`);
      archive = path.join(dir, 'samples.tar');
      ids = (await writeDockerSaveArchive(archive, sampleImages())).ids;
      const untaggedArchive = path.join(dir, 'untagged.tar');
      [untaggedId] = (await writeDockerSaveArchive(untaggedArchive, [UNTAGGED])).ids;
      await backend.loadArchive(archive);
      await backend.loadArchive(untaggedArchive);
    });
    after(() => backend?.dispose());

    it(`knows it talks to ${engine}`, async function () {
      await backend.ping();
      assert.strictEqual(backend.kind, engine);
      const info = await backend.info();
      assert.strictEqual(info.Kind, engine);
      assert.strictEqual(info.Driver, 'vfs');
      assert.ok(info.DockerRootDir.startsWith('/'), info.DockerRootDir);
    });

    it('lists loaded images with sha256 IDs, tag arrays and [] for an untagged image', async function () {
      const list = await backend.listImages();
      for (const row of list) {
        assert.match(row.Id, /^sha256:[0-9a-f]{64}$/);
        assert.ok(Array.isArray(row.RepoTags) && Array.isArray(row.RepoDigests));
        assert.ok(!row.RepoTags.some((t) => t.includes('<none>')), JSON.stringify(row.RepoTags));
        assert.ok(row.Created > 1.6e9 && row.Created < 2e9, `Created ${row.Created} is unix seconds`);
      }
      const [baseId, appId] = ids;
      const app = list.find((r) => r.Id === appId);
      assert.ok(app, 'sample/app is listed');
      assert.ok(hasTag(app.RepoTags, 'sample/app:1.0') && hasTag(app.RepoTags, 'sample/app:latest'), JSON.stringify(app.RepoTags));
      assert.strictEqual(app.Created, Date.parse('2024-02-01T12:00:00Z') / 1000);
      assert.ok(list.find((r) => r.Id === baseId));
      const untagged = list.find((r) => r.Id === untaggedId);
      assert.ok(untagged, 'the untagged image is listed');
      assert.deepStrictEqual(untagged.RepoTags, []);
    });

    it('inspects by short name and by ID: the config, the layers, the same ID as the archive', async function () {
      const [, appId] = ids;
      const byName = await backend.inspectImage('sample/app:1.0');
      const byId = await backend.inspectImage(appId);
      const byShortId = await backend.inspectImage(appId.slice(7, 19));
      assert.strictEqual(byName.Id, appId);
      assert.strictEqual(byId.Id, appId);
      assert.strictEqual(byShortId.Id, appId);
      assert.deepStrictEqual(byName.RootFS.Layers, await fixtureDiffIds(sampleImages()[1]));
      assert.deepStrictEqual(byName.Config.Cmd, ['node', '/app/server.js']);
      assert.deepStrictEqual(byName.Config.Entrypoint, ['/bin/sh', '-c']);
      assert.deepStrictEqual(Object.keys(byName.Config.ExposedPorts ?? {}), ['8080/tcp']);
      assert.strictEqual(byName.Config.Labels?.['org.opencontainers.image.title'], 'sample app');
      assert.strictEqual(byName.Architecture, 'amd64');
      assert.strictEqual(byName.Os, 'linux');
      assert.strictEqual(byName.Created, '2024-02-01T12:00:00Z');
    });

    it('shows the history: one row per build step, newest first, <missing> or a sha256 ID', async function () {
      const rows = await backend.imageHistory('sample/app:1.0');
      const steps = sampleImages()[1].history ?? [];
      assert.strictEqual(rows.length, steps.length);
      assert.deepStrictEqual(
        rows.map((r) => r.CreatedBy),
        steps.map((s) => s.created_by).reverse(),
      );
      assert.strictEqual(rows[0].Id, ids[1]);
      for (const r of rows) assert.ok(r.Id === '<missing>' || /^sha256:[0-9a-f]{64}$/.test(r.Id), r.Id);
      // Empty steps have no size; layer steps do.
      rows.forEach((r, i) => {
        const step = steps[steps.length - 1 - i];
        if (step.empty_layer) assert.strictEqual(r.Size, 0, step.created_by);
        else assert.ok(r.Size > 0, step.created_by);
      });
      assert.strictEqual(rows[rows.length - 1].Created, Date.parse('2024-01-01T10:00:00Z') / 1000);
    });

    it('tags and removes: Untagged for a name, Untagged + Deleted for the last name', async function () {
      await backend.tagImage('sample/base:1.0', 'it/extra', 'one');
      let list = await backend.listImages();
      const base = list.find((r) => r.Id === ids[0]);
      assert.ok(base && hasTag(base.RepoTags, 'it/extra:one'), JSON.stringify(base?.RepoTags));

      const untag = await backend.removeImage('it/extra:one');
      assert.strictEqual(untag.length, 1, JSON.stringify(untag));
      assert.ok('Untagged' in untag[0] && untag[0].Untagged.endsWith('it/extra:one'), JSON.stringify(untag));
      list = await backend.listImages();
      assert.ok(list.find((r) => r.Id === ids[0]), 'the image stays while it has a name');

      // An image of its own, removed by its only name.
      const lone = path.join(dir, 'lone.tar');
      const [loneId] = (await writeDockerSaveArchive(lone, [{ tags: ['it/lone:1'], layers: [{ files: [{ path: 'lone', content: engine }] }] }])).ids;
      await backend.loadArchive(lone);
      const report = await backend.removeImage('it/lone:1');
      assert.ok(report.some((r) => 'Untagged' in r && r.Untagged.endsWith('it/lone:1')), JSON.stringify(report));
      assert.ok(report.some((r) => 'Deleted' in r && r.Deleted === loneId), JSON.stringify(report));
      await assert.rejects(backend.inspectImage(loneId), (e: unknown) => BackendError.is(e, 'not-found'));
    });

    it('refuses to remove an image with several names by ID: a conflict with the engine\'s reason', async function () {
      await assert.rejects(backend.removeImage(ids[1]), (e: unknown) => {
        assert.ok(BackendError.is(e, 'conflict'), String(e));
        assert.match(e.message, /force/i);
        assert.ok(!/\n\s+at /.test(e.message), 'no stack trace in the message');
        return true;
      });
      assert.ok((await backend.listImages()).find((r) => r.Id === ids[1]), 'still there');
    });

    it('reports a missing image as not-found', async function () {
      await assert.rejects(backend.inspectImage('it/does-not-exist:9'), (e: unknown) => BackendError.is(e, 'not-found'));
      await assert.rejects(backend.imageHistory('it/does-not-exist:9'), (e: unknown) => BackendError.is(e, 'not-found'));
    });

    it('pushes to the local registry, removes, pulls back the same image', async function () {
      const { registry } = await services();
      const ref = `${registry}/it-${engine}/sample-app:1`;
      await backend.tagImage('sample/app:1.0', `${registry}/it-${engine}/sample-app`, '1');
      const pushed: string[] = [];
      await backend.pushImage(ref, { onProgress: (p) => pushed.push(p.message) });
      assert.ok(pushed.length > 0, 'push reported progress');
      await backend.removeImage(ref);
      await assert.rejects(backend.inspectImage(ref), (e: unknown) => BackendError.is(e, 'not-found'));
      const pulled: string[] = [];
      await backend.pullImage(ref, { onProgress: (p) => pulled.push(p.message) });
      assert.ok(pulled.length > 0, 'pull reported progress');
      const image = await backend.inspectImage(ref);
      assert.strictEqual(image.Id, ids[1]);
      assert.ok(image.RepoDigests.some((d) => d.includes('@sha256:')), JSON.stringify(image.RepoDigests));
      await backend.removeImage(ref);
    });

    it('fails a pull of a missing tag with the registry\'s reason, not silently', async function () {
      const { registry } = await services();
      await assert.rejects(backend.pullImage(`${registry}/it-${engine}/nothing-here:1`), (e: unknown) => {
        assert.ok(BackendError.is(e), String(e));
        assert.ok(e.kind === 'not-found' || e.kind === 'failed', e.kind);
        return true;
      });
    });

    it('saves and loads back: same ID, same names', async function () {
      const saved = path.join(dir, 'saved.tar');
      await backend.tagImage('sample/base:1.0', 'it/roundtrip', 'x');
      await backend.saveImages(['it/roundtrip:x'], saved);
      await backend.removeImage('it/roundtrip:x');
      const result = await backend.loadArchive(saved);
      assert.ok(result.loaded.some((n) => n.endsWith('it/roundtrip:x')), JSON.stringify(result.loaded));
      const image = await backend.inspectImage('it/roundtrip:x');
      assert.strictEqual(image.Id, ids[0]);
      await backend.removeImage('it/roundtrip:x');
    });

    it('streams one layer\'s tar by diff ID, byte for byte', async function () {
      const diffIds = await fixtureDiffIds(sampleImages()[1]);
      const wanted = diffIds[3];
      const stream = await backend.layerTar('sample/app:1.0', wanted);
      const hash = createHash('sha256');
      for await (const chunk of stream) hash.update(chunk as Buffer);
      assert.strictEqual(`sha256:${hash.digest('hex')}`, wanted);
      await assert.rejects(backend.layerTar('sample/app:1.0', `sha256:${'0'.repeat(64)}`), (e: unknown) => BackendError.is(e, 'not-found'));
    });

    it('reads several layers in one save: the same entries as one layer at a time, and dive\'s numbers', async function () {
      const ref = 'sample/app:1.0';
      const diffIds = (await backend.inspectImage(ref)).RootFS.Layers;
      const oneByOne = new Map<string, LayerContents>();
      for (const d of diffIds) oneByOne.set(d, await readLayerEntries(await backend.layerTar(ref, d)));
      const all = await backend.readLayers(ref, diffIds, (tar) => readLayerEntries(tar));
      assert.deepStrictEqual([...all.keys()].sort(), [...diffIds].sort());
      for (const d of diffIds) assert.deepStrictEqual(all.get(d), oneByOne.get(d), `layer ${d.slice(0, 19)}`);
      // A subset: only the layers asked for come back.
      const top = diffIds.slice(-2);
      assert.deepStrictEqual([...(await backend.readLayers(ref, top, (tar) => readLayerEntries(tar))).keys()].sort(), [...top].sort());
      await assert.rejects(backend.readLayers(ref, [`sha256:${'0'.repeat(64)}`], (tar) => readLayerEntries(tar)), (e: unknown) => BackendError.is(e, 'not-found'));
      // Wasted Space reads every layer in that one pass (no layer alone), and scores as the store does.
      let alone = 0;
      const counting = Object.create(backend, { layerTar: { value: (...args: Parameters<DockerBackend['layerTar']>) => (alone++, backend.layerTar(...args)) } }) as DockerBackend;
      const onEngine = await imageEfficiency(counting, ref, { cache: new LayerContentsCache() });
      assert.strictEqual(alone, 0, 'no layer was read on its own');
      const store = new BuiltinStore(path.join(dir, 'efficiency-store'));
      await store.loadArchive(archive);
      assert.deepStrictEqual(onEngine, await imageEfficiency(store, ref, { cache: new LayerContentsCache() }));
    });

    it('reports disk usage with one row per image', async function () {
      const df = await backend.diskUsage();
      assert.ok(df.LayersSize > 0);
      const app = df.Images.filter((r) => r.Id === ids[1]);
      assert.strictEqual(app.length, 1, 'one row for an image with two tags');
      assert.ok(hasTag(app[0].RepoTags, 'sample/app:1.0'), JSON.stringify(app[0].RepoTags));
      assert.ok(df.Parts && df.Parts.length === 3 && df.Parts.every((p) => p.bytes > 0), JSON.stringify(df.Parts));
      // Shared layers count once: the sum of the images' sizes is more than the layers on disk.
      const sum = df.Images.reduce((n, r) => n + r.Size, 0);
      assert.ok(df.LayersSize < sum, `LayersSize ${df.LayersSize} < sum of image sizes ${sum}`);
      const base = df.Images.find((r) => r.Id === ids[0]);
      assert.ok(base && base.SharedSize > 0, `base SharedSize ${base?.SharedSize}`);
    });

    it('tells of a tag through the event stream, made once the watch is ready', async function () {
      let tagged: (e: ImageEvent) => void = () => undefined;
      const tag = new Promise<ImageEvent>((resolve) => (tagged = resolve));
      const sub = backend.watch((e) => e.Action === 'tag' && tagged(e));
      try {
        await sub.ready;
        await backend.tagImage('sample/base:1.0', 'it/evented', '1');
        const event = await tag;
        // The image the engine tagged (on a shared podman a short name may resolve to another test's image).
        assert.strictEqual(event.Id, (await backend.inspectImage('it/evented:1')).Id);
        assert.ok(event.time > 1.6e9);
        await backend.removeImage('it/evented:1');
      } finally {
        sub.dispose();
      }
    });

    it('prunes dangling images only, by default', async function () {
      const report = await backend.pruneImages();
      assert.ok(report.ImagesDeleted.some((r) => 'Deleted' in r && r.Deleted === untaggedId), JSON.stringify(report));
      const list = await backend.listImages();
      assert.ok(!list.find((r) => r.Id === untaggedId));
      assert.ok(list.find((r) => r.Id === ids[0]) && list.find((r) => r.Id === ids[1]), 'tagged images stay');
    });

    it('layer L1 is shared: removing the base keeps the app whole', async function () {
      await backend.removeImage('sample/base:1.0');
      const app = await backend.inspectImage('sample/app:1.0');
      assert.strictEqual(app.RootFS.Layers[0], (await fixtureDiffIds({ tags: [], layers: [SAMPLE_LAYERS.L1] }))[0]);
      const stream = await backend.layerTar('sample/app:1.0', app.RootFS.Layers[0]);
      let bytes = 0;
      for await (const chunk of stream) bytes += (chunk as Buffer).length;
      assert.ok(bytes > 0);
    });
  });
}
