// A registry that asks for a login (docker-registry with htpasswd): the store and the engine both use the login
// saved in the Docker config file that DOCKER_CONFIG names, and without one the store says how to log in.
import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { BuiltinStore } from '../../src/backend/store';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { extraRegistry, services, tempDir } from './env';

// il-user / il-secret, bcrypt (cost 5): a login that exists only in this test.
const HTPASSWD = 'il-user:$2b$05$7kNdcd3bNSxWvepVZsOfjOcQJ0TP0D89B0Tlu2tKCYQrKvzz9aRCW';

describe('a registry that asks for a login', function () {
  this.timeout(90_000);
  let registry: string;
  let dir: string;
  let source: BuiltinStore;
  let appId: string;
  let docker: DockerBackend;
  const saved = process.env.DOCKER_CONFIG;

  /** Points DOCKER_CONFIG at a folder whose config.json holds `auths` (none: an empty config). */
  async function useDockerConfig(name: string, auths?: Record<string, unknown>): Promise<void> {
    const folder = path.join(dir, name);
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, 'config.json'), JSON.stringify(auths ? { auths } : {}));
    process.env.DOCKER_CONFIG = folder;
  }

  before(async function () {
    const s = await services();
    registry = await extraRegistry('registry-login', HTPASSWD);
    dir = await tempDir('registry-login');
    const archive = path.join(dir, 'samples.tar');
    [, appId] = (await writeDockerSaveArchive(archive, sampleImages())).ids;
    source = new BuiltinStore(path.join(dir, 'source'));
    await source.loadArchive(archive);
    await source.tagImage('sample/app:1.0', `${registry}/login/app`, '1.0');
    docker = new DockerBackend({ host: s.dockerSocket });
  });
  after(() => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    docker?.dispose();
  });

  it('without a saved login, a push from the store fails with how to log in', async () => {
    await useDockerConfig('no-login');
    await assert.rejects(source.pushImage(`${registry}/login/app:1.0`), (e: unknown) => {
      assert.ok(BackendError.is(e, 'failed'), String(e));
      assert.match((e as Error).message, new RegExp(`needs a login: run "docker login ${registry}"`));
      return true;
    });
  });

  it('with the login `docker login` saves, the store pushes and a fresh store pulls the same image', async () => {
    await useDockerConfig('login', { [registry]: { auth: Buffer.from('il-user:il-secret').toString('base64') } });
    await source.pushImage(`${registry}/login/app:1.0`);
    const fresh = new BuiltinStore(path.join(dir, 'fresh'));
    await fresh.pullImage(`${registry}/login/app:1.0`);
    assert.strictEqual((await fresh.inspectImage(`${registry}/login/app:1.0`)).Id, appId);
  });

  it('a wrong password is refused with a sentence that says so', async () => {
    await useDockerConfig('wrong', { [registry]: { auth: Buffer.from('il-user:nope').toString('base64') } });
    const fresh = new BuiltinStore(path.join(dir, 'wrong-store'));
    await assert.rejects(fresh.pullImage(`${registry}/login/app:1.0`), new RegExp(`refused access to login/app: log in with "docker login ${registry}", or check the name`));
    assert.deepStrictEqual(await fresh.listImages(), []);
  });

  it('the engine gets the saved login too: dockerd pulls and pushes through it', async () => {
    await useDockerConfig('login-engine', { [`https://${registry}/v1/`]: { username: 'il-user', password: 'il-secret' } });
    const ref = `${registry}/login/app:1.0`;
    await docker.pullImage(ref);
    try {
      assert.strictEqual((await docker.inspectImage(ref)).Id, appId);
      await docker.tagImage(ref, `${registry}/login/by-engine`, '1');
      await docker.pushImage(`${registry}/login/by-engine:1`);
      const fresh = new BuiltinStore(path.join(dir, 'from-engine'));
      await fresh.pullImage(`${registry}/login/by-engine:1`);
      assert.strictEqual((await fresh.inspectImage(`${registry}/login/by-engine:1`)).Id, appId);
    } finally {
      await docker.removeImage(ref, { force: true }).catch(() => undefined);
      await docker.removeImage(`${registry}/login/by-engine:1`, { force: true }).catch(() => undefined);
    }
  });

  it('without the login, the engine refuses the pull and the sentence says so', async () => {
    await useDockerConfig('no-login-engine');
    await assert.rejects(docker.pullImage(`${registry}/login/app:1.0`), (e: unknown) => {
      assert.ok(BackendError.is(e), String(e));
      assert.match((e as Error).message, new RegExp(`no basic auth credentials. Log in with "docker login ${registry}", then try again`));
      return true;
    });
  });
});
