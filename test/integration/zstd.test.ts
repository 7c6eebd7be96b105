// zstd layers made by a real engine: podman pushes an image with `--compression-format zstd` (OCI manifest,
// `+zstd` layers); the built-in store and podman's API pull it and show its files; the store loads the same blobs
// from an OCI layout (skopeo's copy, which keeps them zstd); the store pushes it on (the
// registry's zstd blobs keep their media type) and pushes a zstd-loaded image as gzip with a true manifest.
// dockerd 20.10 cannot pull zstd layers at all, so it only pulls the gzip form back.
import * as assert from 'assert';
import { execFile } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import { readFile } from 'fs/promises';
import * as path from 'path';
import { promisify } from 'util';
import { DockerBackend } from '../../src/backend/docker';
import { readLayerEntries } from '../../src/backend/layer-contents';
import { BuiltinStore } from '../../src/backend/store';
import { imageConfigBytes, sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { zstdStore } from '../fixtures/zstd-frames';
import { services, tempDir } from './env';

const exec = promisify(execFile);
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

interface Manifest {
  mediaType: string;
  config: { digest: string };
  layers: { mediaType: string; digest: string }[];
}

const kindsOf = (m: Manifest) => m.layers.map((l) => `${l.mediaType} ${l.digest}`);

async function manifestOf(registry: string, repo: string, tag: string): Promise<Manifest> {
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { headers: { Accept: accept } });
  assert.strictEqual(res.status, 200, `${repo}:${tag}`);
  return (await res.json()) as Manifest;
}

/** Every path in every layer of `ref`, as Layer Files shows them. */
async function filesOf(backend: { layerTar(ref: string, diffId: string): Promise<NodeJS.ReadableStream>; inspectImage(ref: string): Promise<{ RootFS: { Layers?: string[] } }> }, ref: string): Promise<string[]> {
  const paths: string[] = [];
  for (const diffId of (await backend.inspectImage(ref)).RootFS.Layers ?? []) {
    paths.push(...(await readLayerEntries(await backend.layerTar(ref, diffId))).entries.map((e) => e.path.replace(/\/$/, '')));
  }
  return paths.sort();
}

describe('zstd layers from a real engine', function () {
  this.timeout(120_000);
  let registry: string;
  let dir: string;
  let podman: DockerBackend;
  let podmanCli: string[];
  // Layers no earlier run made: podman reuses a gzip blob it knows for a layer rather than compress it as zstd.
  const run = randomBytes(8).toString('hex');
  const app = { ...sampleImages()[1], tags: ['zstd-test/app:1.0'] };
  app.layers = app.layers.map((l, i) => ({ files: [...l.files, { path: `run-${i}`, content: run }] }));
  let wantFiles: string[];

  before(async function () {
    const s = await services();
    registry = s.registry;
    dir = await tempDir('zstd');
    podman = new DockerBackend({ host: s.podmanSocket });
    podmanCli = ['--remote', '--url', `unix://${s.podmanSocket}`];
    const archive = path.join(dir, 'samples.tar');
    await writeDockerSaveArchive(archive, [app]);
    await exec('podman', [...podmanCli, 'load', '-i', archive]);
    await exec('podman', [...podmanCli, 'push', '--tls-verify=false', '--compression-format', 'zstd', 'zstd-test/app:1.0', `${registry}/zstd/app:1.0`]);
    wantFiles = [...new Set(app.layers.flatMap((l) => l.files.map((f) => f.path.replace(/\/$/, ''))))].sort();
  });
  after(() => podman?.dispose());

  it('podman pushed zstd: the store (and podman) pull it with the config\'s ID, the store shows its files and pushes it on as zstd', async function () {
    const pushed = await manifestOf(registry, 'zstd/app', '1.0');
    assert.ok(pushed.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'), JSON.stringify(pushed.layers));
    const store = new BuiltinStore(path.join(dir, 'pulled'));
    await store.pullImage(`${registry}/zstd/app:1.0`);
    const inspect = await store.inspectImage(`${registry}/zstd/app:1.0`);
    assert.strictEqual(inspect.Id, pushed.config.digest);
    assert.deepStrictEqual([...new Set(await filesOf(store, `${registry}/zstd/app:1.0`))], wantFiles);
    // Podman, through its Docker API, gives the same ID, and the same files (its Docker-compatible save refuses
    // zstd images, "zstd compression is not supported for docker images": the backend reads its OCI archive).
    await podman.pullImage(`${registry}/zstd/app:1.0`);
    assert.strictEqual((await podman.inspectImage(`${registry}/zstd/app:1.0`)).Id, inspect.Id);
    assert.deepStrictEqual([...new Set(await filesOf(podman, `${registry}/zstd/app:1.0`))], wantFiles);

    // The same blobs in an OCI layout, as skopeo copies them (zstd stays zstd): the store loads it, same ID, same files.
    const layout = path.join(dir, 'zstd-layout');
    await exec('skopeo', ['copy', '--src-tls-verify=false', `docker://${registry}/zstd/app:1.0`, `oci:${layout}:zstd/app:1.0`]);
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const blob = (digest: string) => path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
    const copied = JSON.parse(await readFile(blob(index.manifests[0].digest), 'utf8')) as Manifest;
    assert.deepStrictEqual(kindsOf(copied), kindsOf(pushed), 'the layout holds the zstd blobs as pushed');
    const loaded = new BuiltinStore(path.join(dir, 'loaded'));
    await loaded.loadArchive(layout);
    const [loadedId] = (await loaded.listImages()).map((i) => i.Id);
    assert.strictEqual(loadedId, inspect.Id);
    assert.deepStrictEqual([...new Set(await filesOf(loaded, loadedId))], wantFiles);

    // Same registry, another repository: the zstd blobs are mounted, and the manifest still says zstd.
    await store.tagImage(`${registry}/zstd/app:1.0`, `${registry}/zstd/copy`, '1.0');
    const result = await store.pushImageDetailed(`${registry}/zstd/copy:1.0`);
    assert.deepStrictEqual(result.uploaded, []);
    const copy = await manifestOf(registry, 'zstd/copy', '1.0');
    assert.strictEqual(copy.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepStrictEqual(kindsOf(copy), kindsOf(pushed));
    assert.strictEqual(copy.config.digest, pushed.config.digest);
  });

  it('an image loaded with zstd and gzip layers pushes as gzip with a true manifest, and podman pulls the same ID', async function () {
    const archive = path.join(dir, 'mix.tar');
    const { ids } = await writeDockerSaveArchive(archive, [app], { layout: 'oci', blobOf: (tar, i) => (i % 2 ? zstdStore(tar) : tar) });
    const store = new BuiltinStore(path.join(dir, 'mixed'));
    await store.loadArchive(archive);
    await store.tagImage('zstd-test/app:1.0', `${registry}/zstd/mix`, '1.0');
    await store.pushImage(`${registry}/zstd/mix:1.0`);
    const pushed = await manifestOf(registry, 'zstd/mix', '1.0');
    assert.ok(pushed.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip'), JSON.stringify(pushed.layers));
    for (const l of pushed.layers) {
      const blob = Buffer.from(await (await fetch(`http://${registry}/v2/zstd/mix/blobs/${l.digest}`)).arrayBuffer());
      assert.deepStrictEqual([blob[0], blob[1]], [0x1f, 0x8b], `${l.digest} is gzip`);
      assert.strictEqual(sha(blob), l.digest);
    }
    assert.strictEqual(ids[0], sha(imageConfigBytes(app, (await store.inspectImage('zstd-test/app:1.0')).RootFS.Layers ?? [])));
    await podman.pullImage(`${registry}/zstd/mix:1.0`);
    assert.strictEqual((await podman.inspectImage(`${registry}/zstd/mix:1.0`)).Id, ids[0]);
  });
});
