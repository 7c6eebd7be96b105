// The built-in store against a real registry (docker-registry 2.8) and a real dockerd: push and pull give the
// same image IDs everywhere, pulls fetch only the layers the store lacks, and a registry that misbehaves
// half-way (a small server of our own) leaves the store exactly as it was, with a sentence naming the fault.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { BuiltinStore } from '../../src/backend/store';
import { imageConfigBytes, layerTar, sampleImages, writeDockerSaveArchive, type FixtureImage } from '../fixtures/archives';
import { fingerprint } from '../unit/store/helpers';
import { services, tempDir } from './env';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A fetch that notes every blob GET (the digest), so a test can say which layers went over the wire. */
function countingFetch(): { fetch: typeof fetch; blobGets: string[] } {
  const blobGets: string[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const m = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
    if (m && (init?.method ?? 'GET') === 'GET') blobGets.push(m[1]);
    return fetch(input, init);
  };
  return { fetch: wrapped, blobGets };
}

async function expectError(work: Promise<unknown>, kind: string, pattern: RegExp): Promise<BackendError> {
  try {
    await work;
  } catch (e) {
    assert.ok(BackendError.is(e), `not a BackendError: ${String(e)}`);
    assert.strictEqual(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected a ${kind} error`);
}

describe('BuiltinStore and a registry', function () {
  this.timeout(90_000);
  let registry: string;
  let dir: string;
  let source: BuiltinStore;
  let baseId: string;
  let appId: string;
  let docker: DockerBackend;

  before(async function () {
    const s = await services();
    registry = s.registry;
    dir = await tempDir('store-registry');
    const archive = path.join(dir, 'samples.tar');
    [baseId, appId] = (await writeDockerSaveArchive(archive, sampleImages())).ids;
    source = new BuiltinStore(path.join(dir, 'source'));
    await source.loadArchive(archive);
    await source.tagImage('sample/base:1.0', `${registry}/store/base`, '1.0');
    await source.tagImage('sample/app:1.0', `${registry}/store/app`, '1.0');
    docker = new DockerBackend({ host: s.dockerSocket });
  });
  after(() => docker?.dispose());

  it('pushes from the store (re-pushing sends nothing) and pulls into a fresh store with the same IDs', async function () {
    const base = await source.pushImageDetailed(`${registry}/store/base:1.0`);
    assert.strictEqual(base.uploaded.length, 3, 'three layers sent');
    // The app shares three layers with the base: the registry links them across repositories; only L4 is sent.
    const app = await source.pushImageDetailed(`${registry}/store/app:1.0`);
    assert.strictEqual(app.uploaded.length, 1, `only the app's own layer is sent: ${JSON.stringify(app)}`);
    const again = await source.pushImageDetailed(`${registry}/store/base:1.0`);
    assert.deepStrictEqual(again.uploaded, [], 're-push is a no-op');
    assert.strictEqual(again.digest, base.digest, 'same manifest, same digest');
    assert.deepStrictEqual((await source.inspectImage(baseId)).RepoDigests, [`${registry}/store/base@${base.digest}`]);

    const fresh = new BuiltinStore(path.join(dir, 'fresh'));
    const pulled = await fresh.pullImageDetailed(`${registry}/store/base:1.0`);
    assert.strictEqual(pulled.id, baseId);
    const a = await source.inspectImage(baseId);
    const b = await fresh.inspectImage(`${registry}/store/base:1.0`);
    assert.strictEqual(b.Id, baseId);
    assert.deepStrictEqual(b.RepoTags, [`${registry}/store/base:1.0`]);
    assert.deepStrictEqual(b.RepoDigests, [`${registry}/store/base@${base.digest}`]);
    assert.deepStrictEqual(b.RootFS, a.RootFS);
    assert.strictEqual(b.Size, a.Size);
    assert.deepStrictEqual(await fresh.imageHistory(baseId), (await source.imageHistory(baseId)).map((h) => ({ ...h, Tags: h.Id === baseId ? b.RepoTags : h.Tags })));
    assert.deepStrictEqual((await fresh.check({ verifyData: true })).problems, []);
  });

  it('pulling the app after the base fetches only the layer the store lacks', async function () {
    const counter = countingFetch();
    const store = new BuiltinStore(path.join(dir, 'sharing'), { registry: new RegistryClient({ fetch: counter.fetch }) });
    await store.pullImage(`${registry}/store/base:1.0`);
    assert.strictEqual(counter.blobGets.length, 4, 'config + three layers');
    counter.blobGets.length = 0;
    const progress: string[] = [];
    const result = await store.pullImageDetailed(`${registry}/store/app:1.0`, { onProgress: (p) => progress.push(p.engine?.status ?? '') });
    assert.strictEqual(result.id, appId);
    assert.strictEqual(result.fetched.length, 1, 'one layer fetched');
    assert.deepStrictEqual(counter.blobGets, [appId, result.fetched[0]], 'the config and the one new layer, nothing else');
    assert.strictEqual(progress.filter((m) => m === 'Already exists').length, 3);
    // Pulling again fetches no layer at all.
    counter.blobGets.length = 0;
    assert.deepStrictEqual((await store.pullImageDetailed(`${registry}/store/app:1.0`)).fetched, []);
    assert.deepStrictEqual(counter.blobGets, [], 'the image is here: not even its config is fetched');
    const df = await store.diskUsage();
    assert.strictEqual(df.Images.length, 2);
  });

  it('dockerd pulls what the store pushed: the same image ID and digest', async function () {
    const ref = `${registry}/store/app:1.0`;
    await docker.pullImage(ref);
    try {
      const inspect = await docker.inspectImage(ref);
      assert.strictEqual(inspect.Id, appId);
      // Other tests may have pushed the same image under other names; compare this repository's digest.
      const ours = (digests: string[]) => digests.filter((d) => d.startsWith(`${registry}/store/app@`));
      assert.deepStrictEqual(ours(inspect.RepoDigests), (await source.inspectImage(appId)).RepoDigests);
    } finally {
      await docker.removeImage(ref, { force: true }).catch(() => undefined);
    }
  });

  it('the store pulls what dockerd pushed: the same image ID and RepoDigests', async function () {
    const archive = path.join(dir, 'for-docker.tar');
    const image: FixtureImage = { tags: ['it/pushed-by-docker:1'], created: '2024-07-01T00:00:00Z', layers: [{ files: [{ path: 'from-docker.txt', content: 'hello from dockerd\n' }] }, { files: [{ path: 'second.txt', content: 'two\n'.repeat(500) }] }] };
    const [id] = (await writeDockerSaveArchive(archive, [image])).ids;
    await docker.loadArchive(archive);
    const ref = `${registry}/docker/pushed:1`;
    await docker.tagImage('it/pushed-by-docker:1', `${registry}/docker/pushed`, '1');
    try {
      await docker.pushImage(ref);
      const byDocker = await docker.inspectImage(ref);
      const store = new BuiltinStore(path.join(dir, 'from-docker'));
      const pulled = await store.pullImageDetailed(ref);
      assert.strictEqual(pulled.id, id);
      const inspect = await store.inspectImage(ref);
      assert.strictEqual(inspect.Id, byDocker.Id);
      assert.deepStrictEqual(inspect.RepoDigests, byDocker.RepoDigests);
      // And by digest: the same image, the digest recorded, no tag added.
      const byDigest = new BuiltinStore(path.join(dir, 'by-digest'));
      await byDigest.pullImage(byDocker.RepoDigests[0]);
      const d = await byDigest.inspectImage(byDocker.RepoDigests[0]);
      assert.strictEqual(d.Id, id);
      assert.deepStrictEqual(d.RepoTags, []);
    } finally {
      await docker.removeImage(ref, { force: true }).catch(() => undefined);
      await docker.removeImage('it/pushed-by-docker:1', { force: true }).catch(() => undefined);
    }
  });

  it('fails a pull of a missing tag as not-found and a push of an unknown tag before any upload', async function () {
    const store = new BuiltinStore(path.join(dir, 'missing'));
    await expectError(store.pullImage(`${registry}/store/nothing-here:1`), 'not-found', /no such image/);
    await expectError(source.pushImage(`${registry}/store/never-tagged:1`), 'not-found', /does not exist locally/);
  });

  describe('a registry that misbehaves half-way', function () {
    // One image with a layer large enough to be cut in the middle: a fake registry serves its manifest and
    // config honestly, and the big layer as the test says.
    let mode: 'drop' | 'wrong-bytes' | 'stall' = 'drop';
    let server: http.Server;
    let host: string;
    let image: { manifest: Buffer; config: Buffer; blobs: Map<string, Buffer>; bigDigest: string; wrongBlob: Buffer };

    before(async function () {
      const big = Buffer.alloc(1 << 20);
      // Bytes that do not compress away, so the blob is large and the cut falls mid-stream.
      for (let i = 0, h = Buffer.alloc(0); i < big.length; i += 32) (h = createHash('sha256').update(h).update(String(i)).digest()).copy(big, i);
      const fixture: FixtureImage = {
        tags: [],
        created: '2024-08-01T00:00:00Z',
        layers: [sampleImages()[0].layers[0], { files: [{ path: 'big.bin', content: big }] }],
      };
      const tars = await Promise.all(fixture.layers.map(layerTar));
      const config = imageConfigBytes(fixture, tars.map(sha));
      const blobs = tars.map((t) => gzipSync(t, { level: 1 }));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
          layers: blobs.map((b) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: b.length, digest: sha(b) })),
        }),
      );
      image = {
        manifest,
        config,
        blobs: new Map([[sha(config), config], ...blobs.map((b): [string, Buffer] => [sha(b), b])]),
        bigDigest: sha(blobs[1]),
        // The same tar compressed harder: a valid layer, smaller, with other bytes than the digest names.
        wrongBlob: gzipSync(tars[1], { level: 9 }),
      };
      server = http.createServer((req, res) => {
        const url = req.url ?? '';
        if (url === '/v2/') return void res.writeHead(200).end('{}');
        if (url.startsWith('/v2/bad/image/manifests/')) {
          res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json', 'Content-Length': image.manifest.length });
          return void res.end(image.manifest);
        }
        const m = /^\/v2\/bad\/image\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
        const blob = m && image.blobs.get(m[1]);
        if (!m || !blob) return void res.writeHead(404).end();
        if (m[1] !== image.bigDigest) return void res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
        if (mode === 'wrong-bytes') return void res.writeHead(200, { 'Content-Length': image.wrongBlob.length }).end(image.wrongBlob);
        res.writeHead(200, { 'Content-Length': blob.length });
        res.write(blob.subarray(0, blob.length >> 1));
        if (mode === 'drop') setTimeout(() => res.socket?.destroy(), 50);
        // 'stall': the rest never comes.
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    async function storeWithBase(name: string): Promise<{ store: BuiltinStore; before: string[] }> {
      const store = new BuiltinStore(path.join(dir, name));
      const archive = path.join(dir, `${name}.tar`);
      await writeDockerSaveArchive(archive, sampleImages());
      await store.loadArchive(archive);
      return { store, before: await fingerprint(store.root) };
    }

    it('a connection dropped in the middle of a layer: a sentence naming the layer, the store unchanged', async function () {
      mode = 'drop';
      const { store, before } = await storeWithBase('dropped');
      await expectError(store.pullImage(`${host}/bad/image:1`), 'failed', /stopped sending Layer 2 of .*bad\/image:1 \(/);
      assert.deepStrictEqual(await fingerprint(store.root), before);
      assert.strictEqual((await store.listImages()).length, 2);
    });

    it('a layer whose bytes do not match its digest: corrupt, the store unchanged', async function () {
      mode = 'wrong-bytes';
      const { store, before } = await storeWithBase('wrong');
      await expectError(store.pullImage(`${host}/bad/image:1`), 'corrupt', new RegExp(`Layer 2 of .*bad/image:1 .*does not match its digest`));
      assert.deepStrictEqual(await fingerprint(store.root), before);
    });

    it('a pull cancelled while a layer streams: cancelled, the store unchanged, no staging left', async function () {
      mode = 'stall';
      const { store, before } = await storeWithBase('cancelled');
      const abort = new AbortController();
      const work = store.pullImage(`${host}/bad/image:1`, {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.engine?.status === 'Downloading' && (p.fraction ?? 0) > 0) abort.abort();
        },
      });
      await expectError(work, 'cancelled', /cancelled/);
      assert.deepStrictEqual(await fingerprint(store.root), before);
      const fs = await import('fs');
      assert.deepStrictEqual(fs.readdirSync(path.join(store.root, 'tmp')).filter((n) => n.startsWith('load-')), []);
    });
  });
});
