// Opening one small file from a 300 MB layer a second time (the layer already read once, as the panels and the
// Explorer read it): ours reads the entry at the offset the first read recorded, in the store's own layer tar
// or in the copy an engine's layer was spooled to; the peer is GNU tar extracting that one file from the same
// blob (`tar -xOf`, and `tar -xzOf` of it gzip'd), which reads the layer through. The first open (the scan) is
// shown against `docker save`, which it includes on an engine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ensureDebianPackages, ENGINE_PACKAGES } from '../lib/apt.mjs';
import { startDockerd } from '../lib/services.mjs';
import { alternate, timeCommand } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const LAYER_BYTES = 300_000_000;
const SMALL = 'etc/app/small.conf';
const TAG = 'bench/open-file:1';

export async function openFileBench(root, runs = Number(process.env.BENCH_RUNS) || 5) {
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => p.bin === 'dockerd'));
  const { BuiltinStore } = require(join(root, 'out/src/backend/store/index.js'));
  const { DockerBackend } = require(join(root, 'out/src/backend/docker/index.js'));
  const { ImageFiles } = require(join(root, 'out/src/backend/image-files.js'));
  const { LayerContentsCache } = require(join(root, 'out/src/backend/layer-contents.js'));
  const { overrideLimits } = require(join(root, 'out/src/backend/limits.js'));
  const { writeDockerSaveArchive } = require(join(root, 'out/test/fixtures/archives.js'));
  const dir = mkdtempSync(join(tmpdir(), 'il-bench-open-'));
  let dockerd;
  let backend;
  try {
    const archive = join(dir, 'image.tar');
    // The small file last, so that a reader from the top goes through the whole layer to reach it.
    const layer = { files: [{ path: 'data/big.bin', content: randomBytes(LAYER_BYTES) }, { path: SMALL, content: 'worker_processes 4;\n' }] };
    const {
      ids: [id],
    } = await writeDockerSaveArchive(archive, [{ tags: [TAG], layers: [layer] }]);
    const store = new BuiltinStore(join(dir, 'store'));
    await store.loadArchive(archive);
    const diffId = (await store.inspectImage(id)).RootFS.Layers[0];
    const blob = await store.layerTarFile(id, diffId);
    execFileSync('sh', ['-c', `gzip -1 -c '${blob}' > '${join(dir, 'layer.tar.gz')}'`]);
    dockerd = await startDockerd(dir);
    execFileSync('docker', ['-H', dockerd.host, 'load', '-q', '-i', archive], { stdio: 'ignore' });
    rmSync(archive);
    backend = new DockerBackend({ host: dockerd.host });

    const key = { imageId: id, layer: 0, mode: 'merged' };
    const open = async (files) => {
      const t = performance.now();
      const bytes = await files.readFile(await files.view(key), SMALL);
      if (bytes.toString() !== 'worker_processes 4;\n') throw new Error(`read ${JSON.stringify(bytes.toString())}`);
      return performance.now() - t;
    };
    const storeFiles = new ImageFiles(store, new LayerContentsCache());
    const engineFiles = new ImageFiles(backend, new LayerContentsCache());
    const firstStore = await open(storeFiles);
    const firstEngine = await open(engineFiles);
    // What the copy costs the first open: the same read with no room to spool.
    const restore = overrideLimits({ layerSpoolBytes: 0 });
    const firstUnspooled = await open(new ImageFiles(backend, new LayerContentsCache()));
    restore();
    const saveOnce = timeCommand('docker', ['-H', dockerd.host, 'save', TAG]);
    const r = await alternate(
      {
        store: () => open(storeFiles),
        engine: () => open(engineFiles),
        tar: () => timeCommand('tar', ['-xOf', blob, SMALL]),
        tarGz: () => timeCommand('tar', ['-xzOf', join(dir, 'layer.tar.gz'), SMALL]),
      },
      runs,
    );
    const name = 'open a small file of a 300 MB layer, the second time';
    return [
      { name: `${name}, store`, ours: ms(r.median('store')), peerName: 'tar -xOf (the layer tar)', peer: ms(r.median('tar')), ratio: r.ratio('store', 'tar') },
      { name: `${name}, dockerd (spooled)`, ours: ms(r.median('engine')), peerName: 'tar -xOf (the layer tar)', peer: ms(r.median('tar')), ratio: r.ratio('engine', 'tar') },
      { name: `${name}, dockerd (spooled)`, ours: ms(r.median('engine')), peerName: 'tar -xzOf (the layer gzip -1)', peer: ms(r.median('tarGz')), ratio: r.ratio('engine', 'tarGz') },
      { name: 'the first open, store (reads the layer, records offsets)', ours: ms(firstStore), peerName: 'tar -xOf', peer: ms(r.median('tar')), ratio: firstStore / r.median('tar') },
      { name: 'the first open, dockerd (docker save, read, spooled to disk)', ours: ms(firstEngine), peerName: 'docker save > /dev/null', peer: ms(saveOnce), ratio: firstEngine / saveOnce },
      { name: 'the first open, dockerd, nothing spooled', ours: ms(firstUnspooled), peerName: 'docker save > /dev/null', peer: ms(saveOnce), ratio: firstUnspooled / saveOnce },
    ];
  } finally {
    backend?.dispose();
    await dockerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
