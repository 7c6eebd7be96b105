// Which step made which layer, on real builds: images built offline by dockerd's classic builder, by BuildKit and
// by podman (buildah), children whose ONBUILD triggers ran, squashed and imported images. Every row the Images
// view shows (step text, diff ID, size) must be what the image's own config says (from the engine's `docker
// save`), for the engine backend and for the store loading the same saved archive.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ImageBackend } from '../../src/backend/backend';
import { ImageCatalog, rowLayerCounts, stepsOf } from '../../src/backend/catalog';
import { DockerBackend } from '../../src/backend/docker';
import { BuiltinStore } from '../../src/backend/store';
import { cleanCreatedBy, layerSteps, type LayerStep } from '../../src/core/layers';
import { sampleLayerTar } from '../../src/backend/store/samples';
import { writeDockerSaveArchive } from '../fixtures/archives';
import { build, buildContext, importTar, saveImage, type SavedImage } from './builds';
import { services, tempDir, type EngineName } from './env';

interface Row {
  step: string;
  diffId?: string;
  size: number;
  uncertain: boolean;
}

const rowsOf = (steps: LayerStep[]): Row[] => steps.map((s) => ({ step: s.createdBy, diffId: s.diffId, size: s.size, uncertain: !!s.uncertain }));

/** The rows as the config says: its empty_layer flags pair steps and diff IDs. Docker and the store size a layer by its files, Podman by its tar. */
function configRows(saved: SavedImage, sizes: 'files' | 'tar'): Row[] {
  let next = 0;
  return (saved.config.history ?? []).map((h) => {
    const step = cleanCreatedBy(h.created_by ?? '');
    if (h.empty_layer) return { step, diffId: undefined, size: 0, uncertain: false };
    const diffId = saved.config.rootfs.diff_ids[next++];
    const layer = saved.layers.get(diffId);
    assert.ok(layer, `the archive holds layer ${diffId}`);
    return { step, diffId, size: sizes === 'files' ? layer.fileBytes : layer.tarBytes, uncertain: false };
  });
}

interface Case {
  engine: EngineName;
  name: string;
  ref: string;
}

const CASES: Case[] = [
  { engine: 'docker', name: 'classic builder: RUN rm, RUN true, COPY of an empty folder, WORKDIR twice, ONBUILD', ref: 'layers/classic:base' },
  { engine: 'docker', name: 'classic builder: a child whose ONBUILD triggers ran, ending in RUN rm and CMD', ref: 'layers/classic:child' },
  { engine: 'docker', name: 'BuildKit: the same steps and RUN --mount', ref: 'layers/buildkit:base' },
  { engine: 'docker', name: 'BuildKit: the child', ref: 'layers/buildkit:child' },
  { engine: 'docker', name: 'classic builder --squash: every step empty, one layer under a row of its own', ref: 'layers/classic:squashed' },
  { engine: 'docker', name: 'docker import: one layer, one row', ref: 'layers/imported:docker' },
  { engine: 'docker', name: 'a history shorter than the layers', ref: 'layers/short-history:1' },
  { engine: 'podman', name: 'podman build: the same steps and RUN --mount', ref: 'layers/podman:base' },
  { engine: 'podman', name: 'podman build: the child', ref: 'layers/podman:child' },
  { engine: 'podman', name: 'podman build --squash: one layer under the last step', ref: 'layers/podman:squashed' },
  { engine: 'podman', name: 'podman import', ref: 'layers/imported:latest' },
  { engine: 'podman', name: 'a history shorter than the layers', ref: 'layers/short-history:1' },
];

/** Builds every image of CASES on the engine, offline. */
async function buildAll(engine: EngineName, socket: string, context: Buffer, shortHistory: string, layer: Buffer): Promise<void> {
  if (engine === 'docker') {
    await build(socket, context, { tag: 'layers/classic:base', dockerfile: 'Dockerfile.classic' });
    await build(socket, context, { tag: 'layers/classic:child', dockerfile: 'Dockerfile.child', buildArgs: { BASE: 'layers/classic:base' } });
    await build(socket, context, { tag: 'layers/classic:squashed', dockerfile: 'Dockerfile.classic', squash: true });
    await build(socket, context, { tag: 'layers/buildkit:base', dockerfile: 'Dockerfile.mount', buildkit: true });
    await build(socket, context, { tag: 'layers/buildkit:child', dockerfile: 'Dockerfile.child', buildkit: true, buildArgs: { BASE: 'layers/buildkit:base' } });
    await importTar(socket, layer, 'layers/imported', 'docker');
  } else {
    await build(socket, context, { tag: 'layers/podman:base', dockerfile: 'Dockerfile.mount' });
    await build(socket, context, { tag: 'layers/podman:child', dockerfile: 'Dockerfile.child', buildArgs: { BASE: 'docker.io/layers/podman:base' } });
    await build(socket, context, { tag: 'layers/podman:squashed', dockerfile: 'Dockerfile.mount', squash: true });
    // Podman's compat import leaves the tag out: the image is layers/imported:latest.
    await importTar(socket, layer, 'layers/imported', 'latest');
  }
  await new DockerBackend({ host: socket }).loadArchive(shortHistory);
}

describe('Layer pairing: every row of the Images view against the image config, on real builds', function () {
  this.timeout(600_000);
  const sockets = {} as Record<EngineName, string>;
  const backends = {} as Record<EngineName, DockerBackend>;
  let dir: string;

  before(async function () {
    const s = await services();
    sockets.docker = s.dockerSocket;
    sockets.podman = s.podmanSocket;
    dir = await tempDir('layer-pairing');
    const context = await buildContext();
    const shortHistory = path.join(dir, 'short-history.tar');
    // Hand-made: two layers, one history row. Which layer the row made, nothing says.
    await writeDockerSaveArchive(shortHistory, [
      {
        tags: ['layers/short-history:1'],
        layers: [{ files: [{ path: 'a', content: 'a\n' }] }, { files: [{ path: 'b', content: 'b\n' }] }],
        history: [{ created_by: 'ADD rootfs.tar /' }],
      },
    ]);
    const layer = await sampleLayerTar({ files: [{ path: 'etc', type: 'dir' }, { path: 'etc/imported', content: 'imported\n' }] });
    await Promise.all((['docker', 'podman'] as const).map((e) => buildAll(e, sockets[e], context, shortHistory, layer)));
    for (const e of ['docker', 'podman'] as const) backends[e] = new DockerBackend({ host: sockets[e] });
  });
  after(() => {
    for (const b of Object.values(backends)) b.dispose();
  });

  async function viewRows(backend: ImageBackend, ref: string): Promise<{ rows: Row[]; id: string }> {
    const id = (await backend.inspectImage(ref)).Id;
    return { rows: rowsOf(stepsOf(await new ImageCatalog(backend).detailsOf(id))), id };
  }

  for (const c of CASES) {
    it(`${c.engine}: ${c.name}`, async function () {
      const backend = backends[c.engine];
      const archive = path.join(dir, `${c.ref.replace(/[/:]/g, '_')}.tar`);
      const engine = await viewRows(backend, c.ref);
      // By ID: Podman's save does not resolve short names (docs/engines.md).
      const saved = await saveImage(sockets[c.engine], engine.id, archive);
      const store = new BuiltinStore(await fs.promises.mkdtemp(path.join(dir, 'store-')));
      try {
        await store.loadArchive(archive);
        const stored = await viewRows(store, engine.id);
        assert.strictEqual(stored.id, engine.id, 'the store loads the archive with the engine\'s image ID');

        const historyCovers = (saved.config.history ?? []).filter((h) => !h.empty_layer).length === saved.config.rootfs.diff_ids.length;
        if (historyCovers) {
          assert.deepStrictEqual(engine.rows, configRows(saved, c.engine === 'docker' ? 'files' : 'tar'), 'engine backend');
          assert.deepStrictEqual(stored.rows, configRows(saved, 'files'), 'store');
        } else {
          // Nothing decides it: every layer still shows, each marked, and both backends say the same.
          assert.deepStrictEqual(engine.rows.map((r) => [r.diffId, r.uncertain]), saved.config.rootfs.diff_ids.map((d) => [d, true]));
          assert.deepStrictEqual(stored.rows.map((r) => [r.step, r.diffId, r.uncertain]), engine.rows.map((r) => [r.step, r.diffId, r.uncertain]));
          return;
        }

        // Without the config (an engine whose root is not readable here): the engine's answers alone, with the
        // layer counts of the images Docker names on the rows, decide every row of these builds.
        const inspect = await backend.inspectImage(c.ref);
        const history = await backend.imageHistory(c.ref);
        const evidence = c.engine === 'docker' ? { layersOf: await rowLayerCounts(backend, history) } : {};
        const ruled = rowsOf(layerSteps(inspect, history, evidence));
        const truth = configRows(saved, c.engine === 'docker' ? 'files' : 'tar');
        assert.deepStrictEqual(ruled.map((r) => [r.step, r.diffId, r.uncertain]), truth.map((t) => [t.step, t.diffId, false]), 'from /history alone');
      } finally {
        store.dispose();
      }
    });
  }
});
