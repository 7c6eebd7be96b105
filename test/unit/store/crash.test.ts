import * as assert from 'assert';
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import { sampleImages, writeDockerSaveArchive, type FixtureImage } from '../../fixtures/archives';
import { fingerprint, tempDir } from './helpers';

const MiB = 1024 * 1024;

/** Starts a loader in a child process and kill -9s it when `when` matches a progress line. */
function loadAndKill(root: string, archive: string, when: (line: string) => boolean): Promise<string> {
  const child = spawn(process.execPath, [path.join(__dirname, 'load-child.js'), root, archive], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    let killedAt = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'done') return reject(new Error('the load finished before it could be killed'));
        if (when(line) && !killedAt) {
          killedAt = line;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      // Resolve only once the process is gone (reaped), so its PID no longer counts as alive.
      if (signal === 'SIGKILL') resolve(killedAt);
      else reject(new Error(`loader exited with ${code}`));
    });
  });
}

describe('BuiltinStore: a load killed with -9', function () {
  this.timeout(120000);
  let t: ReturnType<typeof tempDir>;
  let archive: string;
  before(async () => {
    t = tempDir();
    archive = path.join(t.dir, 'big.tar');
    // Incompressible-ish data spread over several layers, big enough that the load takes a while.
    const layer = (seed: number) => {
      const b = Buffer.alloc(40 * MiB);
      for (let i = 0; i < b.length; i += 4) b.writeUInt32LE((Math.imul(i, 2654435761) + seed) >>> 0, i);
      return { files: [{ path: `blob${seed}`, content: b }] };
    };
    const big: FixtureImage = { tags: ['big/one:1'], layers: [layer(1), layer(2), layer(3)] };
    await writeDockerSaveArchive(archive, [big], { gzipLayers: true });
  });
  after(() => t.cleanup());

  for (const phase of ['reading the archive', 'verifying layers'] as const) {
    it(`while ${phase} leaves a store that checks clean and loads the same archive again`, async () => {
      const root = path.join(t.dir, `store-${phase.split(' ')[0]}`);
      const store = new BuiltinStore(root);
      const seed = path.join(t.dir, 'seed.tar');
      await writeDockerSaveArchive(seed, sampleImages());
      await store.loadArchive(seed);
      const before = await fingerprint(root);

      // Layers are hashed and verified in the same pass that reads the archive: late in it, earlier layers are verified.
      const after = phase === 'reading the archive' ? 0.3 : 0.7;
      const line = await loadAndKill(root, archive, (l) => l.startsWith('Reading') && Number(l.split('|')[1]) > after);
      assert.ok(line);
      const report = await store.check();
      assert.deepStrictEqual(report.problems, []);
      assert.deepStrictEqual(await fingerprint(root), before, 'the killed load left nothing behind');
      assert.deepStrictEqual(await fs.readdir(path.join(root, 'tmp')), []);

      const result = await store.loadArchive(archive);
      assert.deepStrictEqual(result.loaded, ['big/one:1']);
      assert.deepStrictEqual((await store.check({ verifyData: true })).problems, []);
    });
  }

  it('rolls back a commit interrupted half-way (journal left by a dead process)', async () => {
    const root = path.join(t.dir, 'store-journal');
    const store = new BuiltinStore(root);
    const seed = path.join(t.dir, 'seed2.tar');
    const { ids } = await writeDockerSaveArchive(seed, sampleImages());
    await store.loadArchive(seed);
    const before = await fingerprint(root);
    // What a commit that died after writing one image's config (but before its tags) leaves behind.
    const orphanId = 'f'.repeat(64);
    const orphan = path.join(root, 'image', 'builtin', 'imagedb', 'content', 'sha256', orphanId);
    await fs.writeFile(orphan, '{}');
    await fs.writeFile(path.join(root, 'tmp', 'commit-journal.json'), JSON.stringify({ pid: 999999999, created: [orphan], tags: [['x/y:1', 'sha256:' + orphanId]] }));
    const report = await store.check();
    assert.deepStrictEqual(report.problems, []);
    assert.match(report.recovered.join(' '), /Rolled back/);
    assert.deepStrictEqual(await fingerprint(root), before);
    assert.strictEqual((await store.inspectImage('sample/app:1.0')).Id, ids[1]);
  });
});
