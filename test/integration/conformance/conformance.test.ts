// The conformance suite: the same assertions on every backend (the built-in store, dockerd, podman), what a user
// sees in the views and commands. Reading is checked on all; each capability only where the backend declares it,
// and a capability it does not declare is named in the output with the reason, its checks not run.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as path from 'path';
import { BackendError, type ImageBackend } from '../../../src/backend/backend';
import { CAPABILITY_NAMES, requireCapability, type CapabilityName } from '../../../src/backend/capabilities';
import { imageEfficiency, LayerContentsCache, readLayerEntries, type LayerContents } from '../../../src/backend/layer-contents';
import { BuiltinStore } from '../../../src/backend/store';
import type { ImageEvent } from '../../../src/core/model';
import { fixtureDiffIds, sampleImages, SAMPLE_LAYERS, writeDockerSaveArchive, type FixtureImage } from '../../fixtures/archives';
import { services, tempDir } from '../env';
import { declaredCapabilities, openSubject, SUBJECTS } from './subjects';

const UNTAGGED: FixtureImage = {
  tags: [],
  layers: [{ files: [{ path: 'untagged.txt', content: 'nobody named me\n' }] }],
  created: '2024-03-01T00:00:00Z',
};

function hasTag(tags: string[], short: string): boolean {
  // Podman keeps its own spelling (localhost/x, docker.io/x): a short name matches its tail after a '/'.
  return tags.some((t) => t === short || t.endsWith(`/${short}`));
}

for (const subject of SUBJECTS) {
  const declared = declaredCapabilities(subject);
  /** Registers a capability's checks where it is declared; the subject's `before` names the others. */
  const where = (name: CapabilityName, checks: () => void) => {
    if (declared.has(name)) describe(`${name} (declared)`, checks);
  };

  describe(`Conformance: ${subject.name}`, function () {
    this.timeout(60_000);
    let backend: ImageBackend;
    let dir: string;
    let archive: string;
    let ids: string[];
    let untaggedId: string;

    before(async function () {
      dir = await tempDir(`conformance-${subject.kind}`);
      backend = openSubject(subject, await subject.settings(dir));
      for (const name of CAPABILITY_NAMES.filter((n) => !declared.has(n))) {
        process.stdout.write(`    not run: "${name}" checks, ${subject.name} does not declare ${name}\n`);
      }
      if (subject.notComparedWithDockerd) process.stdout.write(`    not run: the field-by-field comparison with dockerd, ${subject.notComparedWithDockerd}\n`);
      // The images every check reads are put there through `archive`: a backend without it needs its own seed.
      const seed = requireCapability(backend, 'archive');
      archive = path.join(dir, 'samples.tar');
      ids = (await writeDockerSaveArchive(archive, sampleImages())).ids;
      const untaggedArchive = path.join(dir, 'untagged.tar');
      [untaggedId] = (await writeDockerSaveArchive(untaggedArchive, [UNTAGGED])).ids;
      await seed.loadArchive(archive);
      await seed.loadArchive(untaggedArchive);
    });
    after(() => backend?.dispose());

    describe('reading', function () {
      it(`says it is ${subject.kind} and declares what the registry's class declares`, async function () {
        await backend.ping();
        assert.strictEqual(backend.kind, subject.kind);
        const info = await backend.info();
        assert.strictEqual(info.Kind, subject.kind);
        // The engines here run vfs; the store names its own layout.
        assert.strictEqual(info.Driver, subject.kind === 'builtin' ? 'builtin' : 'vfs');
        assert.ok(info.DockerRootDir.startsWith('/'), info.DockerRootDir);
        assert.deepStrictEqual(CAPABILITY_NAMES.filter((n) => backend.capabilities[n] !== undefined), [...declared]);
      });

      it('refuses what it does not declare with a sentence that names it', function () {
        for (const name of CAPABILITY_NAMES.filter((n) => !declared.has(n))) {
          assert.throws(
            () => requireCapability(backend, name),
            (e: unknown) => BackendError.is(e, 'unsupported') && e.message.startsWith(`${backend.displayName} cannot `),
          );
        }
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
        assert.strictEqual(byName.Id, appId);
        assert.strictEqual((await backend.inspectImage(appId)).Id, appId);
        assert.strictEqual((await backend.inspectImage(appId.slice(7, 19))).Id, appId);
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
        assert.deepStrictEqual(
          rows.map((r) => r.CreatedBy),
          steps.map((s) => s.created_by).reverse(),
        );
        assert.strictEqual(rows[0].Id, ids[1]);
        for (const r of rows) assert.ok(r.Id === '<missing>' || /^sha256:[0-9a-f]{64}$/.test(r.Id), r.Id);
        rows.forEach((r, i) => {
          const step = steps[steps.length - 1 - i];
          if (step.empty_layer) assert.strictEqual(r.Size, 0, step.created_by);
          else assert.ok(r.Size > 0, step.created_by);
        });
        assert.strictEqual(rows[rows.length - 1].Created, Date.parse('2024-01-01T10:00:00Z') / 1000);
      });

      it('reports a missing image as not-found', async function () {
        await assert.rejects(backend.inspectImage('it/does-not-exist:9'), (e: unknown) => BackendError.is(e, 'not-found'));
        await assert.rejects(backend.imageHistory('it/does-not-exist:9'), (e: unknown) => BackendError.is(e, 'not-found'));
      });

      it("streams one layer's tar by diff ID, byte for byte", async function () {
        const wanted = (await fixtureDiffIds(sampleImages()[1]))[3];
        const hash = createHash('sha256');
        for await (const chunk of await backend.layerTar('sample/app:1.0', wanted)) hash.update(chunk as Buffer);
        assert.strictEqual(`sha256:${hash.digest('hex')}`, wanted);
        await assert.rejects(backend.layerTar('sample/app:1.0', `sha256:${'0'.repeat(64)}`), (e: unknown) => BackendError.is(e, 'not-found'));
      });

      it("reads every layer's files as the store does, and scores Wasted Space alike, without one pass per layer where that is dear", async function () {
        const ref = 'sample/app:1.0';
        const diffIds = (await backend.inspectImage(ref)).RootFS.Layers;
        const oneByOne = new Map<string, LayerContents>();
        for (const d of diffIds) oneByOne.set(d, await readLayerEntries(await backend.layerTar(ref, d)));
        if (backend.readLayers) {
          const all = await backend.readLayers(ref, diffIds, (tar) => readLayerEntries(tar));
          assert.deepStrictEqual([...all.keys()].sort(), [...diffIds].sort());
          for (const d of diffIds) assert.deepStrictEqual(all.get(d), oneByOne.get(d), `layer ${d.slice(0, 19)}`);
          const top = diffIds.slice(-2);
          assert.deepStrictEqual([...(await backend.readLayers(ref, top, (tar) => readLayerEntries(tar))).keys()].sort(), [...top].sort());
          await assert.rejects(backend.readLayers(ref, [`sha256:${'0'.repeat(64)}`], (tar) => readLayerEntries(tar)), (e: unknown) => BackendError.is(e, 'not-found'));
        }
        let alone = 0;
        const counting = Object.create(backend, { layerTar: { value: (...args: Parameters<ImageBackend['layerTar']>) => (alone++, backend.layerTar(...args)) } }) as ImageBackend;
        const scored = await imageEfficiency(counting, ref, { cache: new LayerContentsCache() });
        assert.strictEqual(alone, backend.readLayers ? 0 : diffIds.length, 'layers read one at a time');
        const reference = new BuiltinStore(path.join(dir, 'reference-store'));
        await reference.loadArchive(archive);
        assert.deepStrictEqual(scored, await imageEfficiency(reference, ref, { cache: new LayerContentsCache() }));
        for (const d of diffIds) {
          assert.deepStrictEqual(oneByOne.get(d), await readLayerEntries(await reference.layerTar(ref, d)), `layer ${d.slice(0, 19)} as the store reads it`);
        }
      });

      it('reports disk usage with one row per image, shared layers counted once', async function () {
        const df = await backend.diskUsage();
        assert.ok(df.LayersSize > 0);
        const app = df.Images.filter((r) => r.Id === ids[1]);
        assert.strictEqual(app.length, 1, 'one row for an image with two tags');
        assert.ok(hasTag(app[0].RepoTags, 'sample/app:1.0'), JSON.stringify(app[0].RepoTags));
        assert.ok(df.Parts && df.Parts.length === 3 && df.Parts.every((p) => p.bytes > 0), JSON.stringify(df.Parts));
        const sum = df.Images.reduce((n, r) => n + r.Size, 0);
        assert.ok(df.LayersSize < sum, `LayersSize ${df.LayersSize} < sum of image sizes ${sum}`);
        const base = df.Images.find((r) => r.Id === ids[0]);
        assert.ok(base && base.SharedSize > 0, `base SharedSize ${base?.SharedSize}`);
      });
    });

    where('archive', () => {
      it('saves in every format it declares and loads it back: same ID, same names', async function () {
        const archives = requireCapability(backend, 'archive');
        const manage = backend.capabilities.manage;
        for (const format of archives.saves) {
          const saved = path.join(dir, `saved-${format}.tar`);
          await archives.saveImages(['sample/base:1.0'], saved, { format });
          await manage?.removeImage('sample/base:1.0');
          const result = await archives.loadArchive(saved);
          assert.ok(result.loaded.some((n) => n.endsWith('sample/base:1.0')), `${format}: ${JSON.stringify(result.loaded)}`);
          assert.strictEqual((await backend.inspectImage('sample/base:1.0')).Id, ids[0], format);
        }
      });

      it('refuses a format it does not declare, in a sentence, and writes nothing', async function () {
        const archives = requireCapability(backend, 'archive');
        for (const format of (['docker', 'oci'] as const).filter((f) => !archives.saves.includes(f))) {
          await assert.rejects(archives.saveImages(['sample/base:1.0'], path.join(dir, `refused-${format}.tar`), { format }), (e: unknown) => BackendError.is(e, 'unsupported'));
        }
      });
    });

    where('transfer', () => {
      it('pushes to a registry and pulls back the same image', async function () {
        const transfer = requireCapability(backend, 'transfer');
        const archives = requireCapability(backend, 'archive');
        const { registry } = await services();
        const ref = `${registry}/conformance-${subject.kind}/app:1`;
        // Named by an archive, not by `manage`: transfer is checked on its own.
        const named = path.join(dir, 'named.tar');
        await writeDockerSaveArchive(named, [{ ...sampleImages()[1], tags: [ref] }]);
        await archives.loadArchive(named);
        const pushed: string[] = [];
        await transfer.pushImage(ref, { onProgress: (p) => pushed.push(p.message) });
        assert.ok(pushed.length > 0, 'push reported progress');
        await backend.capabilities.manage?.removeImage(ref);
        const pulled: string[] = [];
        await transfer.pullImage(ref, { onProgress: (p) => pulled.push(p.message) });
        assert.ok(pulled.length > 0, 'pull reported progress');
        const image = await backend.inspectImage(ref);
        assert.strictEqual(image.Id, ids[1]);
        assert.ok(image.RepoDigests.some((d) => d.includes('@sha256:')), JSON.stringify(image.RepoDigests));
        await backend.capabilities.manage?.removeImage(ref);
      });

      it("fails a pull of a missing tag with the registry's reason, not silently", async function () {
        const { registry } = await services();
        await assert.rejects(requireCapability(backend, 'transfer').pullImage(`${registry}/conformance-${subject.kind}/nothing-here:1`), (e: unknown) => {
          assert.ok(BackendError.is(e), String(e));
          assert.ok(e.kind === 'not-found' || e.kind === 'failed', e.kind);
          return true;
        });
      });
    });

    where('run', () => {
      it('refuses a port spec that is not HOST:CONTAINER before starting anything', async function () {
        await assert.rejects(
          requireCapability(backend, 'run').runContainer('sample/app:1.0', { ports: ['80:eighty'] }),
          (e: unknown) => BackendError.is(e, 'invalid-input') && /HOST:CONTAINER/.test(e.message),
        );
      });
    });

    where('check', () => {
      it('finds nothing wrong with what it loaded, data included', async function () {
        const report = await requireCapability(backend, 'check').check({ verifyData: true });
        assert.deepStrictEqual(report.problems, []);
        assert.ok(report.images >= 3, `${report.images} images`);
      });
    });

    where('manage', () => {
      it('tags and removes: Untagged for a name, Untagged + Deleted for the last name', async function () {
        const manage = requireCapability(backend, 'manage');
        await manage.tagImage('sample/base:1.0', 'it/extra', 'one');
        const base = (await backend.listImages()).find((r) => r.Id === ids[0]);
        assert.ok(base && hasTag(base.RepoTags, 'it/extra:one'), JSON.stringify(base?.RepoTags));
        const untag = await manage.removeImage('it/extra:one');
        assert.strictEqual(untag.length, 1, JSON.stringify(untag));
        assert.ok('Untagged' in untag[0] && untag[0].Untagged.endsWith('it/extra:one'), JSON.stringify(untag));
        assert.ok((await backend.listImages()).find((r) => r.Id === ids[0]), 'the image stays while it has a name');

        const lone = path.join(dir, 'lone.tar');
        const [loneId] = (await writeDockerSaveArchive(lone, [{ tags: ['it/lone:1'], layers: [{ files: [{ path: 'lone', content: subject.kind }] }] }])).ids;
        await requireCapability(backend, 'archive').loadArchive(lone);
        const report = await manage.removeImage('it/lone:1');
        assert.ok(report.some((r) => 'Untagged' in r && r.Untagged.endsWith('it/lone:1')), JSON.stringify(report));
        assert.ok(report.some((r) => 'Deleted' in r && r.Deleted === loneId), JSON.stringify(report));
        await assert.rejects(backend.inspectImage(loneId), (e: unknown) => BackendError.is(e, 'not-found'));
      });

      it("refuses to remove an image with several names by ID: a conflict with the engine's reason", async function () {
        await assert.rejects(requireCapability(backend, 'manage').removeImage(ids[1]), (e: unknown) => {
          assert.ok(BackendError.is(e, 'conflict'), String(e));
          assert.match(e.message, /force/i);
          assert.ok(!/\n\s+at /.test(e.message), 'no stack trace in the message');
          return true;
        });
        assert.ok((await backend.listImages()).find((r) => r.Id === ids[1]), 'still there');
      });

      it('tells of a tag through its event stream, made once the watch is ready', async function () {
        const manage = requireCapability(backend, 'manage');
        // The image the name stands for here (on a shared podman a short name may resolve to another test's image).
        const id = (await backend.inspectImage('sample/base:1.0')).Id;
        let tagged: (e: ImageEvent) => void = () => undefined;
        const tag = new Promise<ImageEvent>((resolve) => (tagged = resolve));
        // Only this image's tag: an engine's stream opens a moment in the past and may replay an earlier test's tags.
        const sub = backend.watch((e) => e.Action === 'tag' && e.Id === id && tagged(e));
        assert.ok(sub, `${subject.name} has an event stream`);
        try {
          await sub.ready;
          await manage.tagImage('sample/base:1.0', 'it/evented', '1');
          const event = await tag;
          assert.strictEqual((await backend.inspectImage('it/evented:1')).Id, id);
          assert.ok(event.time > 1.6e9);
          await manage.removeImage('it/evented:1');
        } finally {
          sub.dispose();
        }
      });

      it('prunes dangling images only, by default', async function () {
        const report = await requireCapability(backend, 'manage').pruneImages();
        assert.ok(report.ImagesDeleted.some((r) => 'Deleted' in r && r.Deleted === untaggedId), JSON.stringify(report));
        const list = await backend.listImages();
        assert.ok(!list.find((r) => r.Id === untaggedId));
        assert.ok(list.find((r) => r.Id === ids[0]) && list.find((r) => r.Id === ids[1]), 'tagged images stay');
      });

      it('shares layer L1: removing the base keeps the app whole', async function () {
        await requireCapability(backend, 'manage').removeImage('sample/base:1.0');
        const app = await backend.inspectImage('sample/app:1.0');
        assert.strictEqual(app.RootFS.Layers[0], (await fixtureDiffIds({ tags: [], layers: [SAMPLE_LAYERS.L1] }))[0]);
        let bytes = 0;
        for await (const chunk of await backend.layerTar('sample/app:1.0', app.RootFS.Layers[0])) bytes += (chunk as Buffer).length;
        assert.ok(bytes > 0);
      });
    });
  });
}
