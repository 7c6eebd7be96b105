// `image-layers pull` and `push` against a real registry (docker-registry 2.8), behind a small proxy that notes
// every blob the registry serves: with image A present, pulling B (A's layers and one more) says `Already exists`
// for exactly A's layers, as `docker pull` does, and the registry sends only B's own blobs. On the store and on
// a real dockerd, whose own stream the command line passes through.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { DockerBackend } from '../../src/backend/docker';
import { SAMPLE_LAYERS, writeDockerSaveArchive } from '../fixtures/archives';
import { services, socketOf, tempDir } from './env';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

/** Runs the command line without blocking this process, which serves the proxy. */
function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** A proxy in front of the registry that records the digest of every blob it serves with a GET. */
async function countingProxy(registry: string): Promise<{ addr: string; blobGets: string[]; close(): Promise<void> }> {
  const [host, port] = registry.split(':');
  const blobGets: string[] = [];
  const server = http.createServer((req, res) => {
    const m = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '');
    if (m && req.method === 'GET') blobGets.push(m[1]);
    // The Host header is passed on, so the registry's upload locations point back at the proxy.
    const upstream = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { addr, blobGets, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The registry's manifest of a tag: its layer blobs and config, by digest. */
async function manifestOf(registry: string, repo: string, tag: string): Promise<{ layers: string[]; config: string; digest: string }> {
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  assert.strictEqual(r.status, 200, `manifest of ${repo}:${tag}`);
  const body = (await r.json()) as { layers: { digest: string }[]; config: { digest: string } };
  return { layers: body.layers.map((l) => l.digest), config: body.config.digest, digest: r.headers.get('docker-content-digest') ?? '' };
}

const short = (digest: string) => digest.slice(7, 19);
/** The IDs of the lines that say `status`, in order: `748da75e3a9a: Already exists` → 748da75e3a9a. */
const idsSaying = (out: string, status: string) => [...out.matchAll(new RegExp(`^([0-9a-f]{12}): ${status}$`, 'gm'))].map((m) => m[1]);

describe('image-layers pull and push, layer by layer, against a real registry', function () {
  this.timeout(120_000);
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let dir: string;
  let a: string;
  let b: string;
  let repoA: string;
  let shared: string[];
  let own: string[];
  let ownBlobs: string[];
  let configB: string;
  let digestB: string;

  before(async () => {
    const s = await services();
    proxy = await countingProxy(s.registry);
    dir = await tempDir('cli-transfer');
    // Names of this run only: the registry outlives one test file.
    const run = Date.now().toString(36);
    repoA = `cli-${run}/a`;
    a = `${proxy.addr}/${repoA}:1`;
    b = `${proxy.addr}/cli-${run}/b:1`;
    const { L1, L2, L3 } = SAMPLE_LAYERS;
    const archive = path.join(dir, 'ab.tar');
    await writeDockerSaveArchive(archive, [
      { tags: [a], layers: [L1, L2] },
      { tags: [b], layers: [L1, L2, L3] },
    ]);
    const source = path.join(dir, 'source');
    const load = await cli('--store', source, 'load', archive);
    assert.strictEqual(load.code, 0, load.err);

    // The pushes: A's layers are sent, and B's push mounts them from A's repository, sending only its own.
    const pushA = await cli('--store', source, 'push', a);
    assert.strictEqual(pushA.code, 0, pushA.err);
    assert.match(pushA.out, new RegExp(`^The push refers to repository \\[${proxy.addr}/${repoA}\\]$`, 'm'));
    assert.strictEqual(idsSaying(pushA.out, 'Preparing').length, 2);
    assert.strictEqual(idsSaying(pushA.out, 'Pushed').length, 2);
    const pushB = await cli('--store', source, 'push', b);
    assert.strictEqual(pushB.code, 0, pushB.err);
    assert.deepStrictEqual(idsSaying(pushB.out, `Mounted from ${repoA}`).sort(), idsSaying(pushA.out, 'Pushed').sort());
    assert.strictEqual(idsSaying(pushB.out, 'Pushed').length, 1);
    // Pushed again, the registry has every layer: nothing is sent.
    const again = await cli('--store', source, 'push', b);
    assert.deepStrictEqual(idsSaying(again.out, 'Layer already exists').sort(), idsSaying(pushB.out, 'Preparing').sort());
    assert.strictEqual(idsSaying(again.out, 'Pushed').length, 0);
    const manifest = await manifestOf(s.registry, b.slice(proxy.addr.length + 1, -2), '1');
    assert.match(pushB.out, new RegExp(`^1: digest: ${manifest.digest} size: \\d+$`, 'm'));
    shared = manifest.layers.slice(0, 2).map(short);
    ownBlobs = manifest.layers.slice(2);
    own = ownBlobs.map(short);
    configB = manifest.config;
    digestB = manifest.digest;
    assert.deepStrictEqual((await manifestOf(s.registry, repoA, '1')).layers.map(short), shared);
  });

  after(async () => proxy?.close());

  it('on the store: B after A says Already exists for exactly A\'s layers, and only B\'s own blobs are fetched', async () => {
    const store = path.join(dir, 'pulls');
    assert.strictEqual((await cli('--store', store, 'pull', a)).code, 0);
    proxy.blobGets.length = 0;
    const r = await cli('--store', store, 'pull', b);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(idsSaying(r.out, 'Already exists'), shared);
    assert.deepStrictEqual(idsSaying(r.out, 'Pull complete'), own);
    const lines = r.out.trimEnd().split('\n');
    assert.deepStrictEqual(lines.slice(-3), [`Digest: ${digestB}`, `Status: Downloaded newer image for ${b}`, b]);
    assert.strictEqual(lines[0], `1: Pulling from ${b.slice(proxy.addr.length + 1, -2)}`);
    assert.deepStrictEqual([...proxy.blobGets].sort(), [configB, ...ownBlobs].sort());

    // Again, as dockerd answers for an image it has: no layer lines, and nothing fetched.
    proxy.blobGets.length = 0;
    const again = await cli('--store', store, 'pull', b);
    assert.deepStrictEqual(again.out.trimEnd().split('\n').slice(1), [`Digest: ${digestB}`, `Status: Image is up to date for ${b}`, b]);
    assert.deepStrictEqual(proxy.blobGets, []);
  });

  it('on the store with --json: the Engine API\'s progress stream, one message a line', async () => {
    const store = path.join(dir, 'json-pulls');
    assert.strictEqual((await cli('--store', store, 'pull', a)).code, 0);
    const r = await cli('--store', store, '--json', 'pull', b);
    assert.strictEqual(r.code, 0, r.err);
    const messages = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepStrictEqual(messages[0], { status: `Pulling from ${b.slice(proxy.addr.length + 1, -2)}`, id: '1' });
    for (const id of shared) assert.deepStrictEqual(messages.find((m) => m.id === id), { status: 'Already exists', progressDetail: {}, id });
    const downloading = messages.find((m) => m.status === 'Downloading') as { progressDetail: { current: number; total: number }; progress: string; id: string };
    assert.strictEqual(downloading.id, own[0]);
    assert.ok(downloading.progressDetail.total > 0 && downloading.progress.includes('/'), JSON.stringify(downloading));
    assert.deepStrictEqual(messages.slice(-2), [{ status: `Digest: ${digestB}` }, { status: `Status: Downloaded newer image for ${b}` }]);
  });

  it('on dockerd: the engine\'s own stream, the same lines, and only B\'s own blobs fetched', async () => {
    const socket = await socketOf('docker');
    const engine = ['--docker', `unix://${socket}`];
    const docker = new DockerBackend({ host: socket });
    try {
      const pullA = await cli(...engine, 'pull', a);
      assert.strictEqual(pullA.code, 0, pullA.err);
      proxy.blobGets.length = 0;
      const r = await cli(...engine, 'pull', b);
      assert.strictEqual(r.code, 0, r.err);
      assert.deepStrictEqual(idsSaying(r.out, 'Already exists'), shared);
      assert.deepStrictEqual(idsSaying(r.out, 'Pull complete'), own);
      assert.match(r.out, new RegExp(`^Digest: ${digestB}\nStatus: Downloaded newer image for ${b}\n${b}\n$`, 'm'));
      assert.deepStrictEqual([...proxy.blobGets].sort(), [configB, ...ownBlobs].sort());
      proxy.blobGets.length = 0;
      const again = await cli(...engine, 'pull', b);
      assert.deepStrictEqual(again.out.trimEnd().split('\n').slice(1), [`Digest: ${digestB}`, `Status: Image is up to date for ${b}`, b]);
      assert.deepStrictEqual(proxy.blobGets, []);

      // The engine's push under a new name: every layer is in the registry already, and the lines say so.
      const c = b.replace(/\/b:1$/, '/c:1');
      assert.strictEqual((await cli(...engine, 'tag', b, c)).code, 0);
      const push = await cli(...engine, 'push', c);
      assert.strictEqual(push.code, 0, push.err);
      const there = [...push.out.matchAll(/^([0-9a-f]{12}): (Mounted from \S+|Layer already exists)$/gm)];
      assert.strictEqual(there.length, 3, push.out);
      assert.strictEqual(idsSaying(push.out, 'Pushed').length, 0);
      assert.match(push.out, new RegExp(`^1: digest: ${digestB} size: \\d+$`, 'm'));
    } finally {
      for (const ref of [b.replace(/\/b:1$/, '/c:1'), b, a]) await docker.removeImage(ref, { force: true }).catch(() => undefined);
      docker.dispose();
    }
  });
});
