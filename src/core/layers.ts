// Pairs an image's build steps (history) with its layers (RootFS diff IDs), bottom to top, the way
// `docker history` lines them up: each step that is not an empty layer made the next diff ID.
import type { HistoryItem, ImageInspect } from './model';

export interface LayerStep {
  /** Position among all steps, 0 = the first step of the base image. */
  index: number;
  /** The diff ID this step made; undefined for empty-layer steps (ENV, CMD, LABEL…). */
  diffId?: string;
  /** Position of the diff ID in RootFS.Layers. */
  layerIndex?: number;
  size: number;
  createdBy: string;
  created: number;
  comment: string;
  /** The step made no filesystem change. */
  empty: boolean;
}

/** Builds the bottom-to-top list of steps from inspect data and history rows (newest first, as the API gives). */
export function layerSteps(inspect: Pick<ImageInspect, 'RootFS'>, history: HistoryItem[]): LayerStep[] {
  const diffIds = inspect.RootFS?.Layers ?? [];
  const oldestFirst = [...history].reverse();
  // An engine marks empty steps only by size 0; a zero-size step still made a layer when the counts say so.
  let emptyBudget = oldestFirst.length - diffIds.length;
  const steps: LayerStep[] = [];
  let layer = 0;
  oldestFirst.forEach((h, index) => {
    let empty = h.Size === 0 && emptyBudget > 0;
    if (!empty && layer >= diffIds.length) empty = true;
    if (empty) emptyBudget--;
    const step: LayerStep = {
      index,
      size: h.Size,
      createdBy: cleanCreatedBy(h.CreatedBy),
      created: h.Created,
      comment: h.Comment,
      empty,
    };
    if (!empty) {
      step.diffId = diffIds[layer];
      step.layerIndex = layer;
      layer++;
    }
    steps.push(step);
  });
  // Layers with no history row at all (some hand-made images) still show, with an empty step text.
  for (; layer < diffIds.length; layer++) {
    steps.push({
      index: steps.length,
      diffId: diffIds[layer],
      layerIndex: layer,
      size: 0,
      createdBy: '',
      created: 0,
      comment: '',
      empty: false,
    });
  }
  return steps;
}

/** Drops the shell noise from a step: `/bin/sh -c #(nop)  ENV A=1` → `ENV A=1`, `/bin/sh -c apt-get…` → `RUN apt-get…`. */
export function cleanCreatedBy(createdBy: string): string {
  let s = createdBy.trim();
  s = s.replace(/\s*# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s*/;
  if (nop.test(s)) return s.replace(nop, '').trim();
  // BuildKit writes `RUN /bin/sh -c …`, the classic builder `/bin/sh -c …`.
  const shell = /^(?:RUN )?\/bin\/sh -c /;
  if (shell.test(s)) return `RUN ${s.replace(shell, '').trim()}`;
  if (s.startsWith('|')) {
    // BuildKit ARG-prefixed runs: `|2 A=1 B=2 /bin/sh -c make`
    const m = /^\|\d+\s+(?:\S+=\S*\s+)*\/bin\/sh -c (.*)$/s.exec(s);
    if (m) return `RUN ${m[1].trim()}`;
  }
  return s;
}
