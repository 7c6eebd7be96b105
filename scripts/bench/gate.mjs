// The CI gate on a large archive: `image-layers efficiency --ci` (the production bundle, a fresh process as a CI
// job runs it) against `tar -tvf` of the same archive (the floor of reading its entries), alternated round by
// round. The image is a wasteful one of the size CI jobs see: a base of many files, a big download removed by a
// later step, and files written twice; it lives on tmpfs (/dev/shm) when there is room, else under tmpdir.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { alternate, scratchFolder } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const log = (m) => process.stderr.write(`${m}\n`);

/** ~330 MB: 3,000 files of 48 KiB, a 128 MiB download removed two steps later, 1,000 of the files written again. */
function wastefulLayers() {
  const base = Array.from({ length: 3000 }, (_, i) => ({ path: `usr/lib/app/m${Math.floor(i / 100)}/f${i}.so`, content: randomBytes(48 << 10) }));
  return [
    { files: base },
    { files: [{ path: 'tmp/download.tar', content: randomBytes(128 << 20) }] },
    { files: base.slice(0, 1000).map((f) => ({ path: f.path, content: randomBytes(48 << 10) })) },
    { files: [{ path: 'tmp/.wh.download.tar', content: '' }] },
  ];
}

/** Wall time of one run, spawn to exit; `want` is the exit code it must end with. */
function timed(cmd, args, want) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const t = performance.now() - t0;
  if (r.status !== want) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}, not ${want}:\n${r.stderr}`);
  return t;
}

export async function gateBench(root, runs = Number(process.env.BENCH_RUNS) || 5) {
  const { writeDockerSaveArchive } = require(join(root, 'out/test/fixtures/archives.js'));
  const { dir, where } = scratchFolder('il-bench-gate-', 1 << 30);
  try {
    const archive = join(dir, 'wasteful.tar');
    await writeDockerSaveArchive(archive, [{ tags: ['bench/wasteful:1'], layers: wastefulLayers() }]);
    const mb = `${(statSync(archive).size / 1e6).toFixed(0)} MB`;
    log(`gate: ${mb} archive on ${where}`);
    const cli = join(root, 'dist', 'cli.js');
    const contenders = {
      // dive's default rules fail this image: the gate's exit code is 1, as a CI job would see it.
      gate: () => timed(process.execPath, [cli, 'efficiency', '--ci', archive], 1),
      tar: () => timed('tar', ['-tvf', archive], 0),
    };
    await alternate(contenders, 1);
    const r = await alternate(contenders, runs);
    return [{ name: `efficiency --ci, ${mb} archive (${where})`, ours: ms(r.median('gate')), peerName: 'tar -tvf', peer: ms(r.median('tar')), ratio: r.ratio('gate', 'tar') }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
