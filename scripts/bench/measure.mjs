// Measuring helpers beyond stats.mjs: runs that time themselves (a fresh Node process reports its own figure,
// so Node's start-up is not counted), commands timed from spawn to exit, and several contenders alternated.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './stats.mjs';

/** Runs `script` (CommonJS) in a fresh Node process; it must print one JSON line last. Returns that object. */
export function freshNode(script, args = [], { nodeArgs = [], env } = {}) {
  const out = spawnSync(process.execPath, [...nodeArgs, '-e', script, '--', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, ...env },
  });
  if (out.status !== 0) throw new Error(`a benchmark child failed (exit ${out.status}):\n${out.stderr}`);
  const lines = out.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** Wall time of one command, spawn to exit, in ms; throws with its stderr when it fails. */
export function timeCommand(cmd, args, options = {}) {
  const t0 = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20, ...options });
  return performance.now() - t0;
}

/**
 * Runs each contender once per round, in turn (A B C, A B C, …), so that slow phases of the machine fall on
 * all alike. Each contender returns its time in ms (or a promise of it). `before(name)` runs untimed before each.
 * Returns per contender the median and the list, and `ratio(a, b)`: the median of the per-round ratios.
 */
export async function alternate(contenders, rounds, { before } = {}) {
  const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(contenders)) {
      if (before) await before(name);
      times[name].push(await run());
    }
  }
  return {
    times,
    median: (name) => median(times[name]),
    ratio: (a, b) => median(times[a].map((t, i) => t / times[b][i])),
  };
}

/** A folder on tmpfs (/dev/shm) when it has `need` bytes free, else in the system temp folder; `where` says which. */
export function scratchFolder(prefix, need) {
  try {
    const s = statfsSync('/dev/shm');
    if (s.bavail * s.bsize > need) return { dir: mkdtempSync(`/dev/shm/${prefix}`), where: 'tmpfs (/dev/shm)' };
  } catch {
    // no /dev/shm
  }
  return { dir: mkdtempSync(join(tmpdir(), prefix)), where: `disk (${tmpdir()})` };
}
