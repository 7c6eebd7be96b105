// The store on a small disk (a 64 MB tmpfs mounted for the test): a gzip bomb is refused while it inflates,
// before the disk fills; a load that would leave less than the margin free is refused before it starts, naming
// the space it needs and the space left; a layer that inflates past the free space stops when the margin is hit.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { once } from 'events';
import { promises as fs, statfsSync } from 'fs';
import * as path from 'path';
import * as tar from 'tar-stream';
import { createGzip } from 'zlib';
import { overrideLimits } from '../../../src/backend/limits';
import { BuiltinStore } from '../../../src/backend/store';
import { sampleImages, writeDockerSaveArchive, writeTarFile } from '../../fixtures/archives';
import { fingerprint, tempDir } from './helpers';

const MIB = 1024 * 1024;

/** A gzipped tar holding one file of `size` bytes made by repeating `block` (zeros: a bomb). */
async function gzipLayer(size: number, block: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const ended = once(gzip, 'end');
  pack.pipe(gzip);
  const entry = pack.entry({ name: 'big', size });
  for (let n = 0; n < size; n += block.length) if (!entry.write(block)) await once(entry, 'drain');
  entry.end(() => undefined);
  pack.finalize();
  await ended;
  return Buffer.concat(out);
}

/** A docker save archive whose one layer is `layer` (its config names a diff ID the layer will never reach). */
async function archiveWithLayer(file: string, layer: Buffer): Promise<void> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:' + '0'.repeat(64)] }, config: {} });
  const manifest = JSON.stringify([{ Config: 'c.json', RepoTags: ['big/one:1'], Layers: ['l/layer.tar'] }]);
  await writeTarFile(file, [
    { name: 'l/layer.tar', data: layer },
    { name: 'c.json', data: Buffer.from(config) },
    { name: 'manifest.json', data: Buffer.from(manifest) },
  ]);
}

const used = (dir: string) => {
  const s = statfsSync(dir);
  return (s.blocks - s.bfree) * s.bsize;
};

describe('BuiltinStore on a small disk (64 MB tmpfs)', function () {
  this.timeout(60000);
  let t: ReturnType<typeof tempDir>;
  let disk: string;
  let restore: () => void = () => undefined;
  before(async () => {
    t = tempDir();
    disk = path.join(t.dir, 'disk');
    await fs.mkdir(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', disk]);
  });
  after(() => {
    execFileSync('umount', [disk]);
    t.cleanup();
  });
  afterEach(() => restore());

  /** Runs `work`, sampling the disk's use; answers the most it held. */
  async function peakUse(work: Promise<unknown>): Promise<{ peak: number; error: unknown }> {
    let peak = used(disk);
    const timer = setInterval(() => (peak = Math.max(peak, used(disk))), 5);
    try {
      await work;
      return { peak, error: undefined };
    } catch (e) {
      return { peak, error: e };
    } finally {
      clearInterval(timer);
      peak = Math.max(peak, used(disk));
    }
  }

  it('a gzip bomb (a few hundred KB inflating to 256 MB) is refused while it inflates, before the disk fills', async () => {
    restore = overrideLimits({ freeSpaceMarginBytes: 0 });
    const store = new BuiltinStore(path.join(disk, 'store'));
    const bomb = await gzipLayer(256 * MIB, Buffer.alloc(MIB));
    const archive = path.join(t.dir, 'bomb.tar');
    await archiveWithLayer(archive, bomb);
    const before = await fingerprint(store.root);
    const { peak, error } = await peakUse(store.loadArchive(archive));
    assert.ok(error, 'the bomb was loaded');
    assert.strictEqual((error as { kind?: string }).kind, 'invalid-input', String(error));
    assert.match((error as Error).message, /The entry "l\/layer\.tar" of bomb\.tar inflates to more than 1000 times its compressed size .* refused as a compression bomb/);
    assert.ok(peak < 40 * MIB, `the disk held ${peak} bytes at most`);
    assert.deepStrictEqual(await fingerprint(store.root), before);
  });

  it('a load that would leave less than the margin free is refused before it starts, naming the space needed and left', async () => {
    restore = overrideLimits({ freeSpaceMarginBytes: 64 * MIB });
    const store = new BuiltinStore(path.join(disk, 'store'));
    const archive = path.join(t.dir, 'samples.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    await assert.rejects(store.loadArchive(archive), (e: Error & { kind?: string }) => {
      assert.strictEqual(e.kind, 'failed');
      assert.match(e.message, /^Loading samples\.tar needs about \d+(\.\d+)?kB in the store, but its disk has \d+(\.\d+)?MB free and the store keeps 67\.1MB free \(the setting imageLayers\.freeSpaceMargin\)/);
      return true;
    });
    restore();
    restore = overrideLimits({ freeSpaceMarginBytes: MIB });
    assert.deepStrictEqual((await store.loadArchiveDetailed(archive)).loaded.length, 3);
    await store.removeImage('sample/app:latest');
  });

  it('a layer that inflates past the free space (no bomb) stops when the margin is reached, not at a full disk', async () => {
    restore = overrideLimits({ freeSpaceMarginBytes: 16 * MIB, spaceCheckEveryBytes: 2 * MIB });
    const store = new BuiltinStore(path.join(disk, 'big-store'));
    // Random bytes every 4 KiB: about 60:1, a ratio real layers can have.
    const block = Buffer.alloc(4096);
    randomBytes(64).copy(block);
    const layer = await gzipLayer(96 * MIB, block);
    const archive = path.join(t.dir, 'big.tar');
    await archiveWithLayer(archive, layer);
    const { peak, error } = await peakUse(store.loadArchive(archive));
    assert.ok(error, 'the layer was loaded');
    assert.match((error as Error).message, /^The store's disk has only .*MB left, under the 16\.8MB it keeps free \(the setting imageLayers\.freeSpaceMargin\): stopped writing the entry "l\/layer\.tar" of big\.tar/);
    assert.ok(peak < 60 * MIB, `the disk held ${peak} bytes at most`);
    assert.deepStrictEqual(await fs.readdir(path.join(store.root, 'tmp')), []);
  });
});
