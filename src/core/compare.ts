// Two images' layer stacks side by side: which layers they share on disk, where they part, and which of the layers
// after that hold the same bytes anyway (the same diff ID on another base: stored again, under another chain).
// Two stacks share a layer exactly when they share every layer below it too (chain IDs), so the shared part is
// the longest common run of diff IDs from the bottom.
import { formatBytes, formatCount } from './format';
import type { LayerStep } from './layers';

export interface ComparedRow {
  /** Position from the bottom (RootFS index). */
  layer: number;
  a?: LayerStep;
  b?: LayerStep;
  /** Both images use this very layer (same chain). */
  shared: boolean;
  /** Not shared, but the other image has a layer with the same content at `sameContentAt` (its RootFS index). */
  aSameContentAt?: number;
  bSameContentAt?: number;
}

export interface Comparison {
  rows: ComparedRow[];
  shared: { layers: number; bytes: number };
  onlyA: { layers: number; bytes: number };
  onlyB: { layers: number; bytes: number };
  /** True when both stacks are the same layers (the images may still differ in config). */
  sameLayers: boolean;
}

/** Compares the layer steps (LayerStep with a layerIndex) of two images. */
export function compareLayers(aSteps: readonly LayerStep[], bSteps: readonly LayerStep[]): Comparison {
  const a = aSteps.filter((s) => s.layerIndex !== undefined && s.diffId);
  const b = bSteps.filter((s) => s.layerIndex !== undefined && s.diffId);
  let common = 0;
  while (common < a.length && common < b.length && a[common].diffId === b[common].diffId) common++;
  const positions = (steps: readonly LayerStep[]) => {
    const at = new Map<string, number>();
    steps.forEach((s, i) => (at.has(s.diffId!) ? undefined : at.set(s.diffId!, i)));
    return at;
  };
  const inA = positions(a);
  const inB = positions(b);
  const rows: ComparedRow[] = [];
  const sum = (steps: readonly LayerStep[]) => steps.reduce((n, s) => n + s.size, 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const row: ComparedRow = { layer: i, a: a[i], b: b[i], shared: i < common };
    if (!row.shared) {
      const atB = a[i] ? inB.get(a[i].diffId!) : undefined;
      const atA = b[i] ? inA.get(b[i].diffId!) : undefined;
      if (atB !== undefined && atB >= common) row.aSameContentAt = atB;
      if (atA !== undefined && atA >= common) row.bSameContentAt = atA;
    }
    rows.push(row);
  }
  return {
    rows,
    shared: { layers: common, bytes: sum(a.slice(0, common)) },
    onlyA: { layers: a.length - common, bytes: sum(a.slice(common)) },
    onlyB: { layers: b.length - common, bytes: sum(b.slice(common)) },
    sameLayers: common === a.length && common === b.length,
  };
}

const layers = (n: number) => formatCount(n, 'layer');

/** What the two stacks share, said outright: which layers, how many bytes, and what each has above them. */
export function describeComparison(refA: string, refB: string, c: Comparison): string {
  if (c.sameLayers) return 'The same layers; the images differ only in their configuration.';
  const n = c.shared.layers;
  if (n === 0) return 'No layer in common: their bottom layers already differ, so nothing is stored once for both.';
  const shared = `${n === 1 ? 'Layer 1 is' : `Layers 1–${n} are`} shared (${formatBytes(c.shared.bytes)}, stored once for both).`;
  if (c.onlyA.layers === 0) return `${shared} ${refA} has no other layer; ${refB} adds ${layers(c.onlyB.layers)} on top (${formatBytes(c.onlyB.bytes)}).`;
  if (c.onlyB.layers === 0) return `${shared} ${refB} has no other layer; ${refA} adds ${layers(c.onlyA.layers)} on top (${formatBytes(c.onlyA.bytes)}).`;
  return `${shared} Above layer ${n} they differ: ${refA} has ${layers(c.onlyA.layers)} of its own (${formatBytes(c.onlyA.bytes)}), ${refB} has ${c.onlyB.layers} (${formatBytes(c.onlyB.bytes)}).`;
}
