// Pulls through a fault proxy in front of the real docker-registry: stalls and trickles end within the limits
// with a sentence naming what was being fetched; a 500 and a dropped connection are asked again and the pull
// succeeds; the store is byte for byte unchanged after each failure.
import * as assert from 'assert';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { overrideLimits } from '../../src/backend/limits';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { BuiltinStore } from '../../src/backend/store';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { startFaultProxy, type FaultProxy } from '../fixtures/fault-proxy';
import { fingerprint } from '../unit/store/helpers';
import { services, tempDir } from './env';

describe('pulling through a registry that stalls, trickles, fails and drops (a fault proxy before a real registry)', function () {
  this.timeout(60_000);
  let dir: string;
  let proxy: FaultProxy;
  let config: string;
  let layers: string[];
  let appId: string;
  let restore: () => void;

  before(async function () {
    const s = await services();
    dir = await tempDir('registry-faults');
    const archive = path.join(dir, 'samples.tar');
    appId = (await writeDockerSaveArchive(archive, sampleImages())).ids[1];
    const source = new BuiltinStore(path.join(dir, 'source'));
    await source.loadArchive(archive);
    await source.tagImage('sample/app:1.0', `${s.registry}/faults/app`, '1');
    await source.pushImage(`${s.registry}/faults/app:1`);
    const manifest = (await new RegistryClient().manifest(`${s.registry}/faults/app:1`)).body as { config: { digest: string }; layers: { digest: string }[] };
    config = manifest.config.digest;
    layers = manifest.layers.map((l) => l.digest);
    proxy = await startFaultProxy(s.registry);
  });
  after(() => proxy?.close());
  beforeEach(() => {
    restore = overrideLimits({ registryAnswerMs: 1000, registrySilenceMs: 1000, transferWindowMs: 1500, transferFloorBytesPerSecond: 100, retryBaseMs: 50 });
    proxy.rules = [];
    proxy.requests = [];
    proxy.served = [];
    proxy.ranges = [];
  });
  afterEach(() => restore());

  let n = 0;
  async function freshStore(): Promise<{ store: BuiltinStore; before: string[] }> {
    const store = new BuiltinStore(path.join(dir, `store-${n++}`));
    return { store, before: await fingerprint(store.root) };
  }

  async function failsWithin(ms: number, work: Promise<unknown>, pattern: RegExp): Promise<void> {
    const t0 = Date.now();
    await assert.rejects(work, (e: unknown) => {
      assert.ok(BackendError.is(e, 'failed'), String(e));
      assert.match((e as Error).message, pattern);
      return true;
    });
    assert.ok(Date.now() - t0 < ms, `took ${Date.now() - t0} ms`);
  }

  for (const fault of ['stall', 'trickle'] as const) {
    const why = fault === 'stall' ? /nothing arrived for 1 s/ : /too slowly|slower than 100 bytes a second/;
    it(`a config that ${fault}s half-way fails within the limits, the store unchanged`, async function () {
      proxy.rules = [{ pathEnd: config, fault }];
      const { store, before } = await freshStore();
      await failsWithin(6000, store.pullImage(`${proxy.host}/faults/app:1`), why);
      assert.match(proxy.served.join(), new RegExp(`${fault} ${config.slice(-12)}`));
      assert.deepStrictEqual(await fingerprint(store.root), before);
    });

    it(`a layer that ${fault}s half-way fails within the limits, naming the layer, the store unchanged`, async function () {
      proxy.rules = [{ pathEnd: layers[3], fault }];
      const { store, before } = await freshStore();
      await failsWithin(6000, store.pullImage(`${proxy.host}/faults/app:1`), new RegExp(`stopped sending Layer 4 of .*faults/app:1 .*${why.source}`));
      assert.deepStrictEqual(await fingerprint(store.root), before);
    });
  }

  it('a registry that takes the request and never answers: unreachable within the answer deadline', async function () {
    proxy.rules = [{ pathEnd: 'manifests/1', fault: 'hang' }];
    const t0 = Date.now();
    await assert.rejects((await freshStore()).store.pullImage(`${proxy.host}/faults/app:1`), (e: unknown) => {
      assert.ok(BackendError.is(e, 'unreachable'), String(e));
      assert.match((e as Error).message, /did not answer within 1 s/);
      return true;
    });
    assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
  });

  it('a manifest that stalls half-way fails within the limits', async function () {
    proxy.rules = [{ pathEnd: 'manifests/1', fault: 'stall' }];
    const { store, before } = await freshStore();
    await failsWithin(6000, store.pullImage(`${proxy.host}/faults/app:1`), /stopped sending the answer for faults\/app after \d+ of \d+ bytes: nothing arrived for 1 s/);
    assert.deepStrictEqual(await fingerprint(store.root), before);
  });

  it('a pull that would leave less than the free-space margin stops before fetching a layer, naming the space', async function () {
    restore();
    restore = overrideLimits({ freeSpaceMarginBytes: 2 ** 50 });
    const { store, before } = await freshStore();
    await assert.rejects(store.pullImage(`${proxy.host}/faults/app:1`), /^BackendError: Pulling .*faults\/app:1 needs about \d+ ?B in the store, but its disk has .*B free and the store keeps 1\.13PB free \(the setting imageLayers\.freeSpaceMargin\)/);
    assert.deepStrictEqual(proxy.requests.filter((u) => layers.some((l) => u.endsWith(l))), [], 'no layer was fetched');
    assert.deepStrictEqual(await fingerprint(store.root), before);
  });

  it('a 500 for the manifest and for a layer is asked again, and the pull succeeds', async function () {
    proxy.rules = [
      { pathEnd: 'manifests/1', fault: '500', times: 1 },
      { pathEnd: layers[2], fault: '500', times: 2 },
    ];
    const { store } = await freshStore();
    const pulled = await store.pullImageDetailed(`${proxy.host}/faults/app:1`);
    assert.strictEqual(pulled.id, appId);
    assert.strictEqual(proxy.served.length, 3, proxy.served.join());
  });

  it('a 500 that does not go away fails after the retries with the registry\'s words', async function () {
    proxy.rules = [{ pathEnd: 'manifests/1', fault: '500' }];
    const { store } = await freshStore();
    await failsWithin(6000, store.pullImage(`${proxy.host}/faults/app:1`), /answered 500 .*injected by the fault proxy/);
    assert.strictEqual(proxy.served.length, 4, 'one try and three retries');
  });

  it('a layer whose connection drops half-way resumes from where it stopped (Range) and the pull succeeds', async function () {
    proxy.rules = [{ pathEnd: layers[3], fault: 'drop', times: 1 }];
    const { store } = await freshStore();
    const pulled = await store.pullImageDetailed(`${proxy.host}/faults/app:1`);
    assert.strictEqual(pulled.id, appId);
    assert.deepStrictEqual((await store.check({ verifyData: true })).problems, []);
    assert.match(proxy.ranges.join(), /bytes=\d+-/);
  });
});
