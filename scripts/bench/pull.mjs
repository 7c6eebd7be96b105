// Pulling a 470 MB image (three gzip layers, 195 MB compressed) from a loopback docker-registry into the built-in
// store, against what a pull has to do at least: one `curl | gzip -dc | tee FILE | openssl dgst -sha256` per
// layer, all three at once (fetch, inflate, keep the tar, hash it); against `docker pull` into a vfs dockerd;
// and, for scale, `skopeo copy` to an OCI layout (no decompression). Registry data, store, the floor's files and
// dockerd's data root all on tmpfs when it has room; rounds alternated.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDebianPackages, ENGINE_PACKAGES } from '../lib/apt.mjs';
import { startDockerd, startRegistry } from '../lib/services.mjs';
import { gzipLayer } from './gzip-layer.mjs';
import { alternate, scratchFolder, timeCommand } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const log = (m) => process.stderr.write(`${m}\n`);
const REPO = 'bench/pull';

/** The three layers: 250, 150 and 70 MB of tar, 30% of each file random bytes. */
const LAYERS = [
  ['pull-1', { tarBytes: 250e6, noise: 0.3, seed: 11 }],
  ['pull-2', { tarBytes: 150e6, noise: 0.3, seed: 12 }],
  ['pull-3', { tarBytes: 70e6, noise: 0.3, seed: 13 }],
];

async function upload(registry, bytes, digest) {
  const start = await fetch(`${registry}/v2/${REPO}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(start.headers.get('location'), registry);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`upload of ${digest} answered ${put.status}`);
}

/** Pushes the image to the registry: its layer blobs as written, a config naming their diff IDs, a manifest. */
export async function pushImage(registry, layers) {
  for (const l of layers) await upload(registry, readFileSync(l.file), l.digest);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `COPY layer${i} /` })),
    }),
  );
  const configDigest = 'sha256:' + createHash('sha256').update(config).digest('hex');
  await upload(registry, config, configDigest);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.size, digest: l.digest })),
  };
  const put = await fetch(`${registry}/v2/${REPO}/manifests/1`, {
    method: 'PUT',
    body: JSON.stringify(manifest),
    headers: { 'Content-Type': manifest.mediaType },
  });
  if (put.status !== 201) throw new Error(`manifest upload answered ${put.status}`);
}

export async function pullBench(root, runs = Math.max(3, Number(process.env.BENCH_RUNS) || 3)) {
  await ensureDebianPackages([...ENGINE_PACKAGES.filter((p) => p.bin === 'dockerd' || p.bin === 'docker-registry'), { bin: 'skopeo', pkg: 'skopeo' }]);
  const { BuiltinStore } = require(join(root, 'out/src/backend/store/index.js'));
  const layers = [];
  for (const [name, options] of LAYERS) {
    const l = await gzipLayer(name, options);
    layers.push({ ...l, size: readFileSync(l.file).length });
  }
  const compressed = layers.reduce((n, l) => n + l.size, 0);
  const { dir, where } = scratchFolder('il-bench-pull-', compressed * 12);
  let registry;
  let dockerd;
  try {
    [registry, dockerd] = await Promise.all([startRegistry(dir), startDockerd(dir)]);
    await pushImage(registry.url, layers);
    const image = `${registry.addr}/${REPO}:1`;
    const storeRoot = join(dir, 'store');
    const floorDir = join(dir, 'floor');
    const oci = join(dir, 'oci');
    const floor = layers
      .map((l, i) => `(curl -sf ${registry.url}/v2/${REPO}/blobs/${l.digest} | gzip -dc | tee ${floorDir}/${i}.tar | openssl dgst -sha256 > /dev/null) &`)
      .join(' ');
    const contenders = {
      store: async () => {
        const t = performance.now();
        await new BuiltinStore(storeRoot).pullImage(image);
        return performance.now() - t;
      },
      floor: () => timeCommand('bash', ['-c', `mkdir -p ${floorDir}; ${floor} wait`]),
      docker: () => timeCommand('docker', ['-H', dockerd.host, 'pull', '-q', image]),
      skopeo: () => timeCommand('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${image}`, `oci:${oci}:1`]),
    };
    const before = (name) => {
      rmSync({ store: storeRoot, floor: floorDir, skopeo: oci, docker: '/nonexistent' }[name], { recursive: true, force: true });
      if (name === 'docker') {
        try {
          execFileSync('docker', ['-H', dockerd.host, 'image', 'rm', '-f', image], { stdio: 'ignore' });
        } catch {
          // not there yet
        }
      }
    };
    // One untimed round: blobs into the registry's page cache, the code compiled, dockerd warmed up.
    for (const [name, run] of Object.entries(contenders)) {
      before(name);
      await run();
    }
    const r = await alternate(contenders, runs, { before });
    log(`pull: store ${r.times.store.map((t) => t.toFixed(0)).join(', ')} ms; floor ${r.times.floor.map((t) => t.toFixed(0)).join(', ')} ms`);
    const name = `pull 470 MB (${(compressed / 1e6).toFixed(0)} MB gzip, 3 layers), ${where}`;
    return [
      { name, ours: ms(r.median('store')), peerName: 'curl | gzip -dc | tee | openssl, per layer', peer: ms(r.median('floor')), ratio: r.ratio('store', 'floor'), goal: '<= 1.0x', ok: r.ratio('store', 'floor') <= 1 },
      { name, ours: ms(r.median('store')), peerName: 'docker pull (vfs)', peer: ms(r.median('docker')), ratio: r.ratio('store', 'docker'), goal: '< 1', ok: r.ratio('store', 'docker') < 1 },
      { name, ours: ms(r.median('store')), peerName: 'skopeo copy to an OCI layout (no inflate)', peer: ms(r.median('skopeo')), ratio: r.ratio('store', 'skopeo') },
    ];
  } finally {
    await dockerd?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
