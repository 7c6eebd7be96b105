// What hovers ask a registry: the digest it serves for a tag, compared with the local image's RepoDigests.
import * as assert from 'assert';
import * as net from 'net';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { freshness } from '../../src/core/freshness';
import { parseReference } from '../../src/core/reference';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { services, socketOf, tempDir } from './env';

describe('registry digests for hovers, against a real registry', function () {
  this.timeout(60_000);
  let docker: DockerBackend;
  let registry: string;
  const client = new RegistryClient({ timeoutMs: 5000 });

  before(async () => {
    registry = (await services()).registry;
    docker = new DockerBackend({ host: await socketOf('docker') });
    const archive = path.join(await tempDir('registry-client'), 'samples.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    await docker.loadArchive(archive);
    await docker.tagImage('sample/base:1.0', `${registry}/il-rc/base`, '1');
    await docker.pushImage(`${registry}/il-rc/base:1`);
  });

  after(async () => {
    // Leave dockerd as other tests expect it: no il-rc tag or digest on the sample images.
    for (const image of await docker.listImages()) {
      for (const ref of [...image.RepoTags, ...image.RepoDigests].filter((r) => r.includes('/il-rc/'))) {
        await docker.removeImage(ref).catch(() => undefined);
      }
    }
    docker.dispose();
  });

  it('reads the digest the engine recorded when it pushed', async () => {
    const inspect = await docker.inspectImage(`${registry}/il-rc/base:1`);
    const remote = await client.remoteDigest(`${registry}/il-rc/base:1`);
    assert.match(remote, /^sha256:[0-9a-f]{64}$/);
    assert.ok(inspect.RepoDigests.includes(`${registry}/il-rc/base@${remote}`), JSON.stringify(inspect.RepoDigests));
    assert.strictEqual(freshness(inspect.RepoDigests, parseReference(`${registry}/il-rc/base:1`)!, remote), 'up-to-date');
  });

  it('says outdated once the tag moves to another image in the registry', async () => {
    const before = await docker.inspectImage(`${registry}/il-rc/base:1`);
    await docker.tagImage('sample/app:1.0', `${registry}/il-rc/base`, '1');
    await docker.pushImage(`${registry}/il-rc/base:1`);
    const remote = await client.remoteDigest(`${registry}/il-rc/base:1`);
    assert.strictEqual(freshness(before.RepoDigests, parseReference(`${registry}/il-rc/base:1`)!, remote), 'outdated');
  });

  it('answers not-found for a tag the registry does not have', async () => {
    await assert.rejects(client.remoteDigest(`${registry}/il-rc/base:nope`), (e: unknown) => BackendError.is(e, 'not-found'));
  });

  it('answers unreachable, quickly, for a registry that is not there', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const started = Date.now();
    await assert.rejects(client.remoteDigest(`127.0.0.1:${free}/x/y:1`), (e: unknown) => BackendError.is(e, 'unreachable'));
    assert.ok(Date.now() - started < 3000);
  });
});
