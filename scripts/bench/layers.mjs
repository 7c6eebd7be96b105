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
import { median, ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const LAYERS = 10;
const LAYER_MIB = 16;

export async function layersBench(root, runs = Number(process.env.BENCH_RUNS) || 3) {
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => p.bin === 'dockerd'));
  const { DockerBackend } = require(join(root, 'out/src/backend/docker/index.js'));
  const { imageEfficiency, LayerContentsCache } = require(join(root, 'out/src/backend/layer-contents.js'));
  const { ImageFiles } = require(join(root, 'out/src/backend/image-files.js'));
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
    // Wasted Space keeps no copy of the layers; a file opened from its rows reads them once more, kept on disk
    // this time, and the files after it are read from that copy.
    const { Id: imageId, RootFS } = await backend.inspectImage('bench/large:1');
    const top = RootFS.Layers.length - 1;
    const secondOpen = [];
    const openAfterReport = async () => {
      const cache = new LayerContentsCache();
      await imageEfficiency(backend, 'bench/large:1', { cache });
      const files = new ImageFiles(backend, cache);
      const open = async (path) => {
        const view = await files.view({ imageId, layer: top, mode: 'merged' });
        return (await files.readFile(view, path)).length;
      };
      const t = performance.now();
      if ((await open(`data/blob-${top}.bin`)) !== LAYER_MIB << 20) throw new Error('the file read is not the one written');
      const first = performance.now() - t;
      const t2 = performance.now();
      await open('data/blob-0.bin');
      secondOpen.push(performance.now() - t2);
      cache.clear();
      return first;
    };
    const save = () => timeCommand('docker', ['-H', dockerd.host, 'save', 'bench/large:1']);
    // Each comparison in rounds of its own: reading layer by layer (Docker 20.10 spools each candidate layer to
    // find it) and opening a file (the layers kept on disk) write hundreds of MB, and the disk's writeback would
    // fall on the rounds that follow.
    // One untimed report first: the extension host is long-lived, its code already compiled.
    await report(backend);
    const r = await alternate({ onePass: () => report(backend), save }, runs);
    const l = await alternate({ byLayer: () => report(layerByLayer), onePass: () => report(backend) }, runs);
    const o = await alternate({ open: openAfterReport, save }, runs);
    const name = `wasted space, ${LAYERS} layers x ${LAYER_MIB} MiB on dockerd`;
    return [
      { name, ours: ms(r.median('onePass')), peerName: 'docker save > /dev/null', peer: ms(r.median('save')), ratio: r.ratio('onePass', 'save') },
      { name: `${name}, layer by layer`, ours: ms(l.median('byLayer')), peerName: 'one pass', peer: ms(l.median('onePass')), ratio: l.ratio('byLayer', 'onePass') },
      { name: `${name}, first file opened after it`, ours: ms(o.median('open')), peerName: 'docker save > /dev/null', peer: ms(o.median('save')), ratio: o.ratio('open', 'save') },
      { name: `${name}, second file opened`, ours: ms(median(secondOpen)), peerName: 'first file', peer: ms(o.median('open')), ratio: median(secondOpen) / o.median('open') },
    ];
  } finally {
    backend?.dispose();
    await dockerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
