// Registry logins read from the files `docker login` and `podman login` write, the way the Docker CLI reads them.
import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { defaultAuthFiles, registryLogin } from '../../src/backend/registry/credentials';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry logins from Docker and podman auth files', () => {
  let dir: string;
  let docker: string;
  let podman: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'il-creds-'));
    docker = path.join(dir, 'docker', 'config.json');
    podman = path.join(dir, 'containers', 'auth.json');
    await fs.mkdir(path.dirname(docker));
    await fs.mkdir(path.dirname(podman));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));
  const write = (file: string, body: unknown) => fs.writeFile(file, JSON.stringify(body));

  it('reads a base64 user:password under the registry host, whatever scheme or path the key has', async () => {
    await write(docker, { auths: { 'https://registry.example:5000/v1/': { auth: b64('ann:pa:ss') } } });
    assert.deepStrictEqual(await registryLogin('registry.example:5000', { files: [docker] }), { username: 'ann', password: 'pa:ss' });
    assert.strictEqual(await registryLogin('other.example', { files: [docker] }), undefined);
  });

  it("finds Docker Hub's login under its old index URL", async () => {
    await write(docker, { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret') } } });
    assert.deepStrictEqual(await registryLogin('docker.io', { files: [docker] }), { username: 'hub', password: 'secret' });
  });

  it('asks the credential helper named for the registry, then the store helper, with the server on stdin', async () => {
    await write(docker, { credsStore: 'desktop', credHelpers: { 'ghcr.io': 'gh' }, auths: { 'ghcr.io': {} } });
    const asked: string[] = [];
    const runHelper = async (name: string, server: string) => {
      asked.push(`${name} ${server}`);
      if (name === 'gh') return JSON.stringify({ ServerURL: server, Username: 'octo', Secret: 'tok' });
      throw new Error('credentials not found in native keychain');
    };
    assert.deepStrictEqual(await registryLogin('ghcr.io', { files: [docker], runHelper }), { username: 'octo', password: 'tok' });
    assert.strictEqual(await registryLogin('docker.io', { files: [docker], runHelper }), undefined);
    assert.deepStrictEqual(asked, ['gh ghcr.io', 'desktop https://index.docker.io/v1/']);
  });

  it('takes an identity token from a helper (user <token>) and from the auth file, never as a password', async () => {
    await write(docker, { credHelpers: { 'acr.example': 'acr' }, auths: { 'ghcr.io': { auth: b64('octo:'), identitytoken: 'refresh-1' } } });
    const runHelper = async (_name: string, server: string) => JSON.stringify({ ServerURL: server, Username: '<token>', Secret: 'refresh-2' });
    assert.deepStrictEqual(await registryLogin('acr.example', { files: [docker], runHelper }), { username: '<token>', password: '', identityToken: 'refresh-2' });
    assert.deepStrictEqual(await registryLogin('ghcr.io', { files: [docker] }), { username: '<token>', password: '', identityToken: 'refresh-1' });
  });

  it('names a helper that fails for another reason', async () => {
    await write(docker, { credsStore: 'pass' });
    const runHelper = async () => {
      throw new Error('gpg: decryption failed');
    };
    await assert.rejects(registryLogin('ghcr.io', { files: [docker], runHelper }), (e: unknown) => BackendError.is(e, 'failed') && /docker-credential-pass failed for ghcr.io: gpg/.test((e as Error).message));
  });

  it("falls back to podman's auth.json, and takes username and password fields", async () => {
    await write(docker, { auths: { 'docker.io': { auth: b64('hub:x') } } });
    await write(podman, { auths: { 'quay.io': { username: 'q', password: 'w' } } });
    assert.deepStrictEqual(await registryLogin('quay.io', { files: [docker, podman] }), { username: 'q', password: 'w' });
  });

  it('goes anonymous when there is no file, and says which file is broken', async () => {
    assert.strictEqual(await registryLogin('quay.io', { files: [path.join(dir, 'none.json')] }), undefined);
    await fs.writeFile(docker, '{ "auths": ');
    await assert.rejects(registryLogin('quay.io', { files: [docker] }), (e: unknown) => BackendError.is(e, 'invalid-input') && (e as Error).message.includes(docker));
    await write(docker, { auths: { 'quay.io': { auth: b64('no-colon') } } });
    await assert.rejects(registryLogin('quay.io', { files: [docker] }), /not a base64 "user:password"/);
  });

  it('looks where DOCKER_CONFIG, REGISTRY_AUTH_FILE and XDG_RUNTIME_DIR say', () => {
    assert.deepStrictEqual(defaultAuthFiles({ DOCKER_CONFIG: '/d', REGISTRY_AUTH_FILE: '/p/auth.json' }), ['/d/config.json', '/p/auth.json']);
    assert.deepStrictEqual(defaultAuthFiles({ DOCKER_CONFIG: '/d', XDG_RUNTIME_DIR: '/run/user/1' }), ['/d/config.json', '/run/user/1/containers/auth.json']);
    assert.deepStrictEqual(defaultAuthFiles({ HOME: os.homedir() }), [path.join(os.homedir(), '.docker', 'config.json')]);
  });
});
