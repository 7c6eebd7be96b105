// Loading a large `docker save` archive (5 layers of 80 MiB of random bytes, ~400 MB): the built-in store's
// loadArchive, against `openssl dgst -sha256` over the archive (the floor: read and hash every byte once) and
// `docker load` into a vfs dockerd, alternated round by round. Everything lives on tmpfs (/dev/shm) when it has
// room, so the VM's disk (which slows with every gigabyte written and deleted) stays out of the figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDebianPackages, ENGINE_PACKAGES } from '../lib/apt.mjs';
import { startDockerd } from '../lib/services.mjs';
import { largeArchive } from './fixtures.mjs';
import { alternate, freshNode, scratchFolder, timeCommand } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const log = (m) => process.stderr.write(`${m}\n`);
const LAYERS = 5;
const LAYER_MIB = 80;

/** Peak RSS (KiB) of a fresh Node process that loads `archive` into a fresh store at `storeRoot`. */
const rssScript = (root) => `
const { BuiltinStore } = require(${JSON.stringify(join(root, 'out/src/backend/store/index.js'))});
const [archive, storeRoot] = process.argv.slice(-2);
const before = process.resourceUsage().maxRSS;
const t0 = performance.now();
new BuiltinStore(storeRoot).loadArchive(archive).then(() => {
  console.log(JSON.stringify({ ms: performance.now() - t0, before, maxRSS: process.resourceUsage().maxRSS }));
}, (e) => { console.error(e); process.exit(1); });`;

export async function loadBench(root, runs = Number(process.env.BENCH_RUNS) || 5) {
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => p.bin === 'dockerd'));
  const { BuiltinStore } = require(join(root, 'out/src/backend/store/index.js'));
  const { dir, where } = scratchFolder('il-bench-load-', LAYERS * LAYER_MIB * (1 << 20) * 6);
  let dockerd;
  try {
    const archive = join(dir, 'large.tar');
    const t0 = Date.now();
    await largeArchive(root, archive, { layers: LAYERS, layerMiB: LAYER_MIB });
    const size = statSync(archive).size;
    log(`load: ${(size / 1e6).toFixed(0)} MB archive written in ${((Date.now() - t0) / 1000).toFixed(1)} s on ${where}`);
    const small = join(dir, 'small.tar');
    await largeArchive(root, small, { layers: 1, layerMiB: 4 });

    dockerd = await startDockerd(dir);
    const host = dockerd.host;
    const storeRoot = join(dir, 'store');
    const contenders = {
      openssl: () => timeCommand('openssl', ['dgst', '-sha256', archive]),
      store: async () => {
        const t = performance.now();
        await new BuiltinStore(storeRoot).loadArchive(archive);
        return performance.now() - t;
      },
      docker: () => timeCommand('docker', ['-H', host, 'load', '-q', '-i', archive]),
    };
    // Untimed: a fresh store root, and the image gone from dockerd, before each run.
    const before = (name) => {
      if (name === 'store') rmSync(storeRoot, { recursive: true, force: true });
      if (name === 'docker') {
        try {
          execFileSync('docker', ['-H', host, 'image', 'rm', '-f', 'bench/large:1'], { stdio: 'ignore' });
        } catch {
          // not there yet (first round)
        }
      }
    };
    // One untimed round first: the extension host is a long-lived process, and the first few hundred MB a
    // fresh Node process allocates cost it page faults that later loads do not pay (the fresh-process figure is
    // the RSS row's, below).
    await alternate(contenders, 1, { before });
    const r = await alternate(contenders, runs, { before });
    rmSync(storeRoot, { recursive: true, force: true });

    // Memory: peak RSS of a fresh process loading the large archive, against the same for a 4 MiB archive.
    mkdirSync(join(dir, 'rss'), { recursive: true });
    const big = freshNode(rssScript(root), [archive, join(dir, 'rss', 'big')]);
    const tiny = freshNode(rssScript(root), [small, join(dir, 'rss', 'small')]);
    const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
    const mb = `${(size / 1e6).toFixed(0)} MB`;
    return [
      { name: `store load ${mb} (${where})`, ours: ms(r.median('store')), peerName: 'openssl dgst -sha256', peer: ms(r.median('openssl')), ratio: r.ratio('store', 'openssl'), goal: '<= 1.5x', ok: r.ratio('store', 'openssl') <= 1.5 },
      { name: `store load ${mb}, fresh process (one run)`, ours: ms(big.ms), peerName: 'openssl dgst -sha256', peer: ms(r.median('openssl')), ratio: big.ms / r.median('openssl') },
      { name: `store load ${mb} (${where})`, ours: ms(r.median('store')), peerName: 'docker load (vfs)', peer: ms(r.median('docker')), ratio: r.ratio('store', 'docker'), goal: '< 1', ok: r.ratio('store', 'docker') < 1 },
      // Flat: the peak grows by far less than the archive (a fixed set of stream buffers), not with its size.
      { name: `store load peak RSS, ${mb}`, ours: mib(big.maxRSS), peerName: 'same for a 4 MiB archive', peer: mib(tiny.maxRSS), ratio: big.maxRSS / tiny.maxRSS, goal: 'growth < 64 MiB', ok: big.maxRSS - tiny.maxRSS < 64 * 1024 },
    ];
  } finally {
    await dockerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
