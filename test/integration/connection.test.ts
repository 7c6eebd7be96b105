// Reaching the engine: addresses as the docker CLI reads them, and a dead engine told in a sentence, fast.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend, resolveConnection } from '../../src/backend/docker';
import { services, tempDir } from './env';

describe('DockerBackend connection', function () {
  this.timeout(30_000);

  it('reads unix sockets, tcp, ssh and DOCKER_HOST like the docker CLI', function () {
    const none = { env: {} };
    assert.strictEqual(resolveConnection(none).endpoint, 'unix:///var/run/docker.sock');
    assert.strictEqual(resolveConnection({ ...none, host: '/tmp/x.sock' }).dockerOptions.socketPath, '/tmp/x.sock');
    assert.strictEqual(resolveConnection({ ...none, host: 'unix:///tmp/y.sock' }).dockerOptions.socketPath, '/tmp/y.sock');
    const tcp = resolveConnection({ ...none, host: 'tcp://10.0.0.5:2375' });
    assert.deepStrictEqual([tcp.endpoint, tcp.dockerOptions.host, tcp.dockerOptions.port, tcp.dockerOptions.protocol], ['tcp://10.0.0.5:2375', '10.0.0.5', '2375', 'http']);
    assert.strictEqual(tcp.dockerOptions.socketPath, undefined, 'a tcp host never falls back to a socket');
    const ssh = resolveConnection({ ...none, host: 'ssh://alice@build.example:2222' });
    assert.deepStrictEqual([ssh.endpoint, ssh.dockerOptions.protocol, ssh.dockerOptions.username], ['ssh://alice@build.example:2222', 'ssh', 'alice']);
    const fromEnv = resolveConnection({ env: { DOCKER_HOST: 'unix:///run/user/1000/podman/podman.sock' } });
    assert.strictEqual(fromEnv.dockerOptions.socketPath, '/run/user/1000/podman/podman.sock');
    // An explicit host wins over DOCKER_HOST, as `docker -H` does.
    assert.strictEqual(resolveConnection({ host: '/a.sock', env: { DOCKER_HOST: 'tcp://h:1' } }).dockerOptions.socketPath, '/a.sock');
    assert.throws(() => resolveConnection({ ...none, host: 'ftp://x' }), (e: unknown) => BackendError.is(e, 'invalid-input'));
  });

  it('turns TLS on from DOCKER_TLS_VERIFY with the certificates of DOCKER_CERT_PATH', async function () {
    const dir = await tempDir('certs');
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `not a real ${f}\n`);
    const c = resolveConnection({ env: { DOCKER_HOST: 'tcp://engine.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
    assert.strictEqual(c.dockerOptions.protocol, 'https');
    assert.strictEqual(c.endpoint, 'https://engine.example:2376');
    const agent = (c.dockerOptions as { agent?: { options: { ca?: Buffer; rejectUnauthorized?: boolean } } }).agent;
    assert.ok(agent, 'an https agent carries the certificates');
    assert.strictEqual(agent.options.rejectUnauthorized, true);
    assert.strictEqual(String(agent.options.ca), 'not a real ca.pem\n');
    const plain = resolveConnection({ env: { DOCKER_HOST: 'tcp://engine.example:2376' } });
    assert.strictEqual(plain.dockerOptions.protocol, 'http', 'port 2376 alone does not mean TLS, as with the CLI');
  });

  it('reads a docker context by name', async function () {
    const config = await tempDir('docker-config');
    const { createHash } = await import('crypto');
    const id = createHash('sha256').update('remote').digest('hex');
    fs.mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    fs.writeFileSync(
      path.join(config, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'ssh://bob@ctx.example', SkipTLSVerify: false } } }),
    );
    const c = resolveConnection({ context: 'remote', env: { DOCKER_CONFIG: config } });
    assert.strictEqual(c.endpoint, 'ssh://bob@ctx.example');
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    assert.strictEqual(resolveConnection({ env: { DOCKER_CONFIG: config } }).endpoint, 'ssh://bob@ctx.example');
    assert.throws(() => resolveConnection({ context: 'nope', env: { DOCKER_CONFIG: config } }), (e: unknown) => BackendError.is(e, 'invalid-input'));
  });

  it('says "unreachable" in a sentence, within 2 s, when nothing listens on the socket', async function () {
    const dir = await tempDir('dead');
    const socket = path.join(dir, 'dead.sock');
    const backend = new DockerBackend({ host: `unix://${socket}` });
    const started = Date.now();
    await assert.rejects(backend.ping(), (e: unknown) => {
      assert.ok(BackendError.is(e, 'unreachable'), String(e));
      assert.strictEqual(e.message, `No Docker engine answers at unix://${socket}: is it running?`);
      return true;
    });
    await assert.rejects(backend.listImages(), (e: unknown) => BackendError.is(e, 'unreachable'));
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);

    // A stale socket file with no process behind it (a crashed engine) is the same to the user.
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(socket, r));
    await new Promise<void>((r) => server.close(() => r()));
    const t = Date.now();
    await assert.rejects(new DockerBackend({ host: socket }).info(), (e: unknown) => BackendError.is(e, 'unreachable'));
    assert.ok(Date.now() - t < 2000);
    backend.dispose();
  });

  it('says "unreachable" for a tcp port with nothing behind it', async function () {
    const server = net.createServer();
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
    await new Promise<void>((r) => server.close(() => r()));
    const backend = new DockerBackend({ host: `tcp://127.0.0.1:${port}` });
    await assert.rejects(backend.ping(), (e: unknown) => {
      assert.ok(BackendError.is(e, 'unreachable'), String(e));
      assert.match(e.message, new RegExp(`tcp://127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });

  it('reports cancellation as "cancelled"', async function () {
    const { dockerSocket } = await services();
    const backend = new DockerBackend({ host: dockerSocket });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(backend.ping(controller.signal), (e: unknown) => BackendError.is(e, 'cancelled'));
    backend.dispose();
  });
});
