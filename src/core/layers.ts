// Pairs an image's build steps (history) with its layers (RootFS diff IDs), bottom to top. The image config's
// `empty_layer` flags decide it where a backend can read them; an engine's `/history` drops them, so there the
// pairing is worked out from what holds for every builder (docs/engines.md, *Which step made which layer*) and a
// step that those answers leave open is marked uncertain rather than guessed silently.
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
  /** Whether this step made a layer, or which one, is not decided by what the backend answered: shown as a guess. */
  uncertain?: boolean;
}

/** What besides `/history` can decide the pairing. */
export interface StepEvidence {
  /** The config's `empty_layer` flag of each history step, oldest first (the raw config, where it is cheap to read). */
  emptyLayers?: readonly boolean[];
  /** How many layers the local image a history row names has (row Id → RootFS length): that row ends that image. */
  layersOf?: ReadonlyMap<string, number>;
}

/** Dockerfile instructions that only change the config: no builder makes a layer for them. */
const CONFIG_ONLY = /^(?:ENV|CMD|LABEL|EXPOSE|ENTRYPOINT|USER|VOLUME|STOPSIGNAL|HEALTHCHECK|SHELL|ONBUILD|MAINTAINER|ARG)\b/;

type Kind = 'layer' | 'empty' | 'either';

/** What the row alone says: a size means a layer (engines size only layer rows), a config-only step means none. */
function kindOf(row: HistoryItem, step: string): Kind {
  if (row.Size > 0) return 'layer';
  if (CONFIG_ONLY.test(step)) return 'empty';
  return 'either';
}

/** Builds the bottom-to-top list of steps from inspect data and history rows (newest first, as the API gives). */
export function layerSteps(inspect: Pick<ImageInspect, 'RootFS'>, history: HistoryItem[], evidence: StepEvidence = {}): LayerStep[] {
  const diffIds = inspect.RootFS?.Layers ?? [];
  const rows = [...history].reverse();
  const texts = rows.map((h) => cleanCreatedBy(h.CreatedBy));
  const flags = evidence.emptyLayers;
  const flagsFit = flags && flags.length === rows.length && flags.filter((e) => !e).length === diffIds.length;
  const plan = flagsFit
    ? flags.map((empty) => ({ layer: !empty, uncertain: false }))
    : planFromRows(rows, texts, diffIds.length, evidence.layersOf);
  const steps: LayerStep[] = [];
  let layer = 0;
  rows.forEach((h, index) => {
    const made = plan[index].layer && layer < diffIds.length;
    const step: LayerStep = { index, size: h.Size, createdBy: texts[index], created: h.Created, comment: h.Comment, empty: !made };
    if (plan[index].uncertain) step.uncertain = true;
    if (made) {
      step.diffId = diffIds[layer];
      step.layerIndex = layer++;
    }
    steps.push(step);
  });
  // Layers no history row accounts for still show, with an empty step text; under a history they are a guess.
  for (; layer < diffIds.length; layer++) {
    const step: LayerStep = { index: steps.length, diffId: diffIds[layer], layerIndex: layer, size: 0, createdBy: '', created: 0, comment: '', empty: false };
    if (rows.length > 0) step.uncertain = true;
    steps.push(step);
  }
  return steps;
}

interface Choice {
  layer: boolean;
  uncertain: boolean;
}

/**
 * Every assignment of layers to rows that fits what is known (kinds, anchors, the layer count) is considered:
 * a row is certain when all of them agree on it (a layer, and which one; or none). Where several fit, the one
 * that puts layers lowest is shown and the rows they disagree on are marked. Nothing fits: rows are paired from
 * the bottom by kind, and every row is marked.
 */
function planFromRows(rows: HistoryItem[], texts: string[], layers: number, layersOf?: ReadonlyMap<string, number>): Choice[] {
  const n = rows.length;
  const kinds = rows.map((r, i) => kindOf(r, texts[i]));
  const anchor = rows.map((r) => (r.Id !== '<missing>' ? layersOf?.get(r.Id) : undefined));
  // reach[i][c]: c layers can have been made by rows 0..i-1; finish[i][c]: rows i..n-1 can end on `layers` from c.
  const reach: boolean[][] = Array.from({ length: n + 1 }, () => new Array<boolean>(layers + 1).fill(false));
  const finish: boolean[][] = Array.from({ length: n + 1 }, () => new Array<boolean>(layers + 1).fill(false));
  const fits = (i: number, c: number) => anchor[i] === undefined || anchor[i] === c;
  reach[0][0] = true;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c <= layers; c++) {
      if (!reach[i][c]) continue;
      if (kinds[i] !== 'layer' && fits(i, c)) reach[i + 1][c] = true;
      if (kinds[i] !== 'empty' && c < layers && fits(i, c + 1)) reach[i + 1][c + 1] = true;
    }
  }
  finish[n][layers] = true;
  for (let i = n - 1; i >= 0; i--) {
    for (let c = 0; c <= layers; c++) {
      finish[i][c] =
        (kinds[i] !== 'layer' && fits(i, c) && finish[i + 1][c]) ||
        (kinds[i] !== 'empty' && c < layers && fits(i, c + 1) && finish[i + 1][c + 1]);
    }
  }
  if (!finish[0][0]) {
    if (layersOf) return planFromRows(rows, texts, layers);
    return fallbackPlan(kinds, layers);
  }
  const out: Choice[] = [];
  let c = 0;
  for (let i = 0; i < n; i++) {
    const asLayer = new Set<number>();
    let asEmpty = false;
    for (let k = 0; k <= layers; k++) {
      if (!reach[i][k]) continue;
      if (kinds[i] !== 'empty' && k < layers && fits(i, k + 1) && finish[i + 1][k + 1]) asLayer.add(k);
      if (kinds[i] !== 'layer' && fits(i, k) && finish[i + 1][k]) asEmpty = true;
    }
    const uncertain = asEmpty ? asLayer.size > 0 : asLayer.size > 1;
    const takeLayer = kinds[i] !== 'empty' && c < layers && fits(i, c + 1) && finish[i + 1][c + 1];
    out.push({ layer: takeLayer, uncertain });
    if (takeLayer) c++;
  }
  return out;
}

/** The history cannot be made to fit the layers (hand-made or damaged images): pair by kind, mark everything. */
function fallbackPlan(kinds: Kind[], layers: number): Choice[] {
  let left = layers;
  return kinds.map((k) => {
    const layer = k !== 'empty' && left > 0;
    if (layer) left--;
    return { layer, uncertain: true };
  });
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
