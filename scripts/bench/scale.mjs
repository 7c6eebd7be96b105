// The views far past the tree group's sizes: a built-in store with 10,000 images and 50,000 layer chains (first
// listing, refresh, the Layers view, the memory both views leave), and dockerd with 1,000 images against
// `docker images`. Fixtures are generated once and cached (docs/benchmarks.md, *scale*).
import { ENGINE_SCALE_SET, SCALE_SET } from './fixtures.mjs';
import { engineRows, storeRows } from './tree.mjs';

export async function scaleBench(root, runs = Number(process.env.BENCH_RUNS) || 3) {
  const rows = await storeRows(root, runs, { set: SCALE_SET, name: 'scale', goals: { first: 300, refresh: 50, layers: 500 }, layers: true });
  rows.push(...(await engineRows(root, Math.max(runs, 5), ENGINE_SCALE_SET)));
  return rows;
}
