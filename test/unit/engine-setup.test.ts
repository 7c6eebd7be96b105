// Engine setup: the addresses a user may type, and the contexts and sockets offered as found on this machine.
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { checkEngineAddress } from '../../src/core/engine-address';
import { dockerContexts, engineSockets } from '../../src/backend/docker/engine-discovery';

describe('engine addresses as typed', () => {
  it('takes the forms DOCKER_HOST takes', () => {
    for (const ok of ['unix:///var/run/docker.sock', 'tcp://10.0.0.2:2376', 'tcp://[::1]:2375', 'ssh://me@build-box', 'ssh://me@build-box:2222', ' tcp://h:1 ']) {
      assert.strictEqual(checkEngineAddress(ok), undefined, ok);
    }
  });

  it('says what is wrong with the others', () => {
    const cases: [string, RegExp][] = [
      ['', /Type an address/],
      ['/var/run/docker.sock', /Start with unix:\/\//],
      ['unix://docker.sock', /absolute path/],
      ['tcp://engine.example', /needs a port/],
      ['http://engine:2375', /"http:\/\/" is not an engine address/],
      ['tcp://engine:2375/v1.41', /no path/],
      ['tcp://host name:2375', /no spaces/],
      ['ssh://', /cannot be read|no host/],
    ];
    for (const [input, message] of cases) assert.match(checkEngineAddress(input) ?? '(accepted)', message, input);
  });
});

describe('engines found on this machine', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-engines-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the docker contexts by name with their hosts, skipping broken ones', () => {
    const meta = path.join(dir, 'contexts', 'meta');
    const write = (name: string, body: string) => {
      const id = crypto.createHash('sha256').update(name).digest('hex');
      fs.mkdirSync(path.join(meta, id), { recursive: true });
      fs.writeFileSync(path.join(meta, id, 'meta.json'), body);
    };
    write('remote', JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'ssh://me@box' } } }));
    write('colima', JSON.stringify({ Name: 'colima', Endpoints: { docker: { Host: 'unix:///home/me/.colima/docker.sock' } } }));
    write('broken', '{not json');
    write('k8s-only', JSON.stringify({ Name: 'k8s-only', Endpoints: { kubernetes: {} } }));
    assert.deepStrictEqual(dockerContexts({ DOCKER_CONFIG: dir }), [
      { name: 'colima', host: 'unix:///home/me/.colima/docker.sock' },
      { name: 'remote', host: 'ssh://me@box' },
    ]);
    assert.deepStrictEqual(dockerContexts({ DOCKER_CONFIG: path.join(dir, 'none') }), []);
  });

  it('offers the default sockets that exist, and nothing that is only a file', async () => {
    const runtime = path.join(dir, 'run');
    fs.mkdirSync(path.join(runtime, 'podman'), { recursive: true });
    fs.writeFileSync(path.join(runtime, 'docker.sock'), 'not a socket');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(runtime, 'podman', 'podman.sock'), resolve));
    try {
      const found = engineSockets({ XDG_RUNTIME_DIR: runtime }).filter((s) => s.address.includes(runtime));
      assert.deepStrictEqual(found, [{ address: `unix://${runtime}/podman/podman.sock`, owner: 'Podman, rootless' }]);
    } finally {
      server.close();
    }
  });
});
