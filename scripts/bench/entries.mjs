// An archive with a million entries (empty files beside the sample images, ~512 MB): the command line's `load`,
// its time against GNU `tar -tf` listing the same archive (the floor: read every header once), and its peak
// memory against the same load of 100,000 entries (flat memory: the ratio stays far below 10).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const log = (m) => process.stderr.write(`${m}\n`);

/** Loads `archive` into a fresh store with the built CLI; answers the time (ms) and peak RSS (KiB). */
function cliLoad(root, archive, store) {
  rmSync(store, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-r', join(root, 'out/test/fixtures/report-rss.js'), join(root, 'out/src/cli.js'), '--store', store, 'load', archive], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`load failed: ${r.stderr}`);
  return { ms, rss: Number(/maxRSS (\d+)/.exec(r.stderr)?.[1]) };
}

export async function entriesBench(root) {
  const { writeManyEntryArchive } = require(join(root, 'out/test/fixtures/many-entries.js'));
  const dir = mkdtempSync(join(tmpdir(), 'il-bench-entries-'));
  try {
    const million = join(dir, 'million.tar');
    const tenth = join(dir, 'tenth.tar');
    await writeManyEntryArchive(million, 1_000_000);
    await writeManyEntryArchive(tenth, 100_000);
    const store = join(dir, 'store');
    const t0 = performance.now();
    execFileSync('tar', ['-tf', million], { stdio: 'ignore' });
    const tarMs = performance.now() - t0;
    const big = cliLoad(root, million, store);
    const small = cliLoad(root, tenth, store);
    log(`entries: 1M load ${(big.ms / 1000).toFixed(1)} s, ${Math.round(big.rss / 1024)} MB peak; 100k ${Math.round(small.rss / 1024)} MB peak`);
    return [
      { name: 'load, 1M entries', ours: `${(big.ms / 1000).toFixed(1)} s`, peerName: 'tar -tf', peer: `${(tarMs / 1000).toFixed(1)} s`, ratio: big.ms / tarMs },
      {
        name: 'peak RSS, 1M vs 100k entries',
        ours: `${Math.round(big.rss / 1024)} MB`,
        peerName: '100k',
        peer: `${Math.round(small.rss / 1024)} MB`,
        ratio: big.rss / small.rss,
        goal: '< 3',
        ok: big.rss / small.rss < 3,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
