// Wasted Space (dive's efficiency: every layer's file list) for an image on dockerd: the one-pass read
// (DockerBackend.readLayers: one `docker save`, every layer parsed as it goes by) against the same report read one
// layer at a time (a `docker save` per layer, as layerTar alone allows), and against `docker save` of the image
// to /dev/null (stdout): the floor, one pass over the bytes with nothing parsed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDebianPackages, ENGINE_PACKAGES } from '../lib/apt.mjs';
import { startDockerd } from '../lib/services.mjs';
import { largeArchive } from './fixtures.mjs';
import { alternate, timeCommand } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const LAYERS = 10;
const LAYER_MIB = 16;

export async function layersBench(root, runs = Number(process.env.BENCH_RUNS) || 3) {
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => p.bin === 'dockerd'));
  const { DockerBackend } = require(join(root, 'out/src/backend/docker/index.js'));
  const { imageEfficiency, LayerContentsCache } = require(join(root, 'out/src/backend/layer-contents.js'));
  const dir = mkdtempSync(join(tmpdir(), 'il-bench-layers-'));
  let dockerd;
  let backend;
  try {
    const archive = join(dir, 'layers.tar');
    await largeArchive(root, archive, { layers: LAYERS, layerMiB: LAYER_MIB });
    dockerd = await startDockerd(dir);
    execFileSync('docker', ['-H', dockerd.host, 'load', '-q', '-i', archive], { stdio: 'ignore' });
    rmSync(archive);
    backend = new DockerBackend({ host: dockerd.host });
    // The same backend without the one-pass read: what reading layer by layer costs.
    const layerByLayer = Object.create(backend, { readLayers: { value: undefined } });
    const report = async (b) => {
      const t = performance.now();
      await imageEfficiency(b, 'bench/large:1', { cache: new LayerContentsCache() });
      return performance.now() - t;
    };
    const r = await alternate(
      {
        onePass: () => report(backend),
        byLayer: () => report(layerByLayer),
        save: () => timeCommand('docker', ['-H', dockerd.host, 'save', 'bench/large:1']),
      },
      runs,
    );
    const name = `wasted space, ${LAYERS} layers x ${LAYER_MIB} MiB on dockerd`;
    return [
      { name, ours: ms(r.median('onePass')), peerName: 'docker save > /dev/null', peer: ms(r.median('save')), ratio: r.ratio('onePass', 'save') },
      { name: `${name}, layer by layer`, ours: ms(r.median('byLayer')), peerName: 'one pass', peer: ms(r.median('onePass')), ratio: r.ratio('byLayer', 'onePass') },
    ];
  } finally {
    backend?.dispose();
    await dockerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
