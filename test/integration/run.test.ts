// Run Image… on a real dockerd: a container starts from the image, detached, with the name the user gave.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { BuiltinStore } from '../../src/backend/store';
import { writeDockerSaveArchive } from '../fixtures/archives';
import { socketOf, tempDir } from './env';

// busybox-static gives one static binary that runs with no other file in the image.
const BUSYBOX = '/bin/busybox';

describe('Run Image on dockerd', function () {
  this.timeout(60_000);
  let backend: DockerBackend;
  const name = `il-run-${process.pid}`;

  before(async () => {
    if (!fs.existsSync(BUSYBOX)) {
      throw new Error(`${BUSYBOX} is missing: the test orchestrator installs busybox-static; run it through npm test`);
    }
    backend = new DockerBackend({ host: await socketOf('docker') });
    const dir = await tempDir('run');
    const archive = path.join(dir, 'busybox.tar');
    await writeDockerSaveArchive(archive, [
      {
        tags: ['il-test/busybox:run'],
        layers: [{ files: [{ path: 'bin/busybox', content: fs.readFileSync(BUSYBOX), mode: 0o755 }] }],
        config: { Entrypoint: ['/bin/busybox'], Cmd: ['sleep', '30'], ExposedPorts: { '80/tcp': {} } },
      },
    ]);
    await backend.loadArchive(archive);
  });

  after(async () => {
    await backend.removeImage('il-test/busybox:run', { force: true }).catch(() => undefined);
    backend.dispose();
  });

  it('starts a detached container with the given name and port spec', async () => {
    const id = await backend.runContainer('il-test/busybox:run', { name, ports: ['18089:80'] });
    assert.match(id, /^[0-9a-f]{64}$/);
    const { default: Dockerode } = await import('dockerode');
    const docker = new Dockerode({ socketPath: await socketOf('docker') });
    const c = docker.getContainer(id);
    try {
      const state = await c.inspect();
      assert.strictEqual(state.Name, `/${name}`);
      assert.strictEqual(state.State.Running, true);
      assert.deepStrictEqual(state.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '18089' }] });
    } finally {
      await c.remove({ force: true });
    }
  });

  it('refuses a port spec that is not HOST:CONTAINER before asking the engine', async () => {
    await assert.rejects(
      backend.runContainer('il-test/busybox:run', { ports: ['80:eighty'] }),
      (e: unknown) => BackendError.is(e, 'invalid-input') && /HOST:CONTAINER/.test(e.message),
    );
  });

  it('is declared by the engine and not by the built-in store, which cannot run containers', () => {
    const store = new BuiltinStore(path.join(fs.mkdtempSync('/tmp/il-run-store-'), 'store'));
    assert.strictEqual(store.capabilities.run, undefined);
    assert.ok(backend.capabilities.run, 'the engine declares run');
  });
});
