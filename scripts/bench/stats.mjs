// Small timing helpers for the benchmarks: medians of repeated runs, A and B alternated so that machine
// noise (a shared CPU, a disk that slows with each write) falls on both sides alike.
import { performance } from 'node:perf_hooks';

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export async function timeOnce(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs a and b alternately `runs` times (after one warm-up each); returns the medians in ms and the median ratio. */
export async function compare(a, b, runs = 5, { warmup = true } = {}) {
  if (warmup) {
    await a();
    await b();
  }
  const ta = [];
  const tb = [];
  const ratios = [];
  for (let i = 0; i < runs; i++) {
    const x = await timeOnce(a);
    const y = await timeOnce(b);
    ta.push(x);
    tb.push(y);
    ratios.push(x / y);
  }
  return { a: median(ta), b: median(tb), ratio: median(ratios) };
}

export function report(rows) {
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const goal = r.goal ? `  goal ${r.goal}${r.ok === undefined ? '' : r.ok ? ' met' : ' MISSED'}` : '';
    console.log(`${r.name.padEnd(w)}  ${r.ours.padStart(10)}  vs ${r.peerName}: ${r.peer.padStart(10)}  ratio ${r.ratio.toFixed(2)}${goal}`);
  }
}

export const ms = (v) => `${v.toFixed(1)} ms`;
export const bytes = (v) => `${(v / 1024).toFixed(0)} KiB`;
