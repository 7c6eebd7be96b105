// Two images' layer stacks side by side: which layers they share on disk, where they part, and which of the layers
// after that hold the same bytes anyway (the same diff ID on another base: stored again, under another chain).
// Two stacks share a layer exactly when they share every layer below it too (chain IDs), so the shared part is
// the longest common run of diff IDs from the bottom.
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
