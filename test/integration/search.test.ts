// Search on both backends against a real registry (docker-registry 2.8): a term that starts with the registry's
// host lists its catalog, filtered; the tags of a result are what the registry holds; a result pulls. And the
// engine's Docker Hub search answers rows, or says plainly that Docker Hub is out of reach.
import * as assert from 'assert';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { BuiltinStore } from '../../src/backend/store';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { ENGINES, services, socketOf, tempDir } from './env';

describe('search against a real registry', function () {
  this.timeout(90_000);
  let registry: string;
  let dir: string;
  let appId: string;
  const backends: Record<string, BuiltinStore | DockerBackend> = {};

  before(async function () {
    registry = (await services()).registry;
    dir = await tempDir('search');
    const archive = path.join(dir, 'samples.tar');
    [, appId] = (await writeDockerSaveArchive(archive, sampleImages())).ids;
    const source = new BuiltinStore(path.join(dir, 'source'));
    await source.loadArchive(archive);
    for (const name of ['search-it/web', 'search-it/web-old', 'search-it/db']) {
      await source.tagImage('sample/app:1.0', `${registry}/${name}`, '1.0');
      await source.pushImage(`${registry}/${name}:1.0`);
    }
    await source.tagImage('sample/app:1.0', `${registry}/search-it/web`, '2.0');
    await source.pushImage(`${registry}/search-it/web:2.0`);
    backends.builtin = new BuiltinStore(path.join(dir, 'store'));
    for (const engine of ENGINES) backends[engine] = new DockerBackend({ host: await socketOf(engine) });
  });
  after(() => Object.values(backends).forEach((b) => b.dispose()));

  for (const kind of ['builtin', ...ENGINES]) {
    it(`on ${kind}: lists the registry's repositories that hold the text, those that start with it first`, async () => {
      const found = await backends[kind].searchImages(`${registry}/search-it/web`);
      assert.deepStrictEqual(found.map((r) => r.name), [`${registry}/search-it/web`, `${registry}/search-it/web-old`]);
      const all = await backends[kind].searchImages(`${registry}/search-it`);
      assert.deepStrictEqual(all.map((r) => r.name).sort(), ['db', 'web', 'web-old'].map((n) => `${registry}/search-it/${n}`));
      assert.deepStrictEqual(await backends[kind].searchImages(`${registry}/nothing-like-this`), []);
    });
  }

  it('a result has the tags the registry holds, and pulls into the store with the pushed image ID', async () => {
    const [web] = await backends.builtin.searchImages(`${registry}/search-it/web`);
    const tags = await new RegistryClient().tags(web.name);
    assert.deepStrictEqual(tags.sort(), ['1.0', '2.0']);
    await backends.builtin.pullImage(`${web.name}:2.0`);
    assert.strictEqual((await backends.builtin.inspectImage(`${web.name}:2.0`)).Id, appId);
  });

  it('a registry that is not there is named in the sentence', async () => {
    await assert.rejects(backends.builtin.searchImages('127.0.0.1:9/anything'), (e: unknown) => BackendError.is(e, 'unreachable') && /127\.0\.0\.1:9/.test((e as Error).message));
  });

  it("the engine's Docker Hub search gives rows, or says Docker Hub is out of reach and how to search a registry", async () => {
    try {
      const rows = await backends.docker.searchImages('busybox', { limit: 3 });
      assert.ok(rows.length > 0 && rows.every((r) => typeof r.name === 'string' && typeof r.star_count === 'number'), JSON.stringify(rows));
    } catch (e) {
      assert.ok(BackendError.is(e, 'unreachable'), String(e));
      assert.match((e as Error).message, /^The engine cannot reach Docker Hub to search: .+\. To search a registry of your own, start the term with its host/);
    }
  });
});
