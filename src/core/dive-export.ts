// dive's `--json` report (wagoodman/dive, cmd/dive/cli/internal/command/export): the same keys in the same
// order, each layer paired with its history row dive's way, so that scripts written for dive read this one.
// dive 0.13 adds each layer's `fileList`; it is left out here (it repeats every tar header of the image).
import type { EfficiencyReport } from './efficiency';

export interface DiveLayer {
  index: number;
  id: string;
  digestId: string;
  sizeBytes: number;
  command: string;
}

export interface DiveExport {
  layer: DiveLayer[];
  image: {
    sizeBytes: number;
    inefficientBytes: number;
    efficiencyScore: number;
    fileReference: { count: number; sizeBytes: number; file: string }[];
  };
}

interface HistoryRow {
  created_by?: unknown;
  empty_layer?: unknown;
}

/** The config's history and diff IDs, read loosely: an image config is a stranger's JSON. */
function historyAndDiffIds(config: unknown): { history: HistoryRow[]; diffIds: unknown[] } {
  const c = (config ?? {}) as { history?: unknown; rootfs?: { diff_ids?: unknown } };
  const history = Array.isArray(c.history) ? c.history.filter((h): h is HistoryRow => !!h && typeof h === 'object') : [];
  const diffIds = Array.isArray(c.rootfs?.diff_ids) ? c.rootfs.diff_ids : [];
  return { history, diffIds };
}

/**
 * dive's layers: the n-th layer takes the n-th history row that made a layer (its command without `/bin/sh -c `,
 * its digestId the n-th diff ID), or `(missing)` when the history runs out; `ids` are dive's layer IDs.
 */
export function diveLayers(config: unknown, ids: readonly string[], sizes: readonly number[]): DiveLayer[] {
  const { history, diffIds } = historyAndDiffIds(config);
  const rows = history.filter((h) => h.empty_layer !== true);
  return ids.map((id, index) => {
    const row = rows[index];
    const createdBy = typeof row?.created_by === 'string' ? row.created_by : '';
    const digest = diffIds[index];
    return {
      index,
      id,
      digestId: row && typeof digest === 'string' ? digest : '',
      sizeBytes: sizes[index] ?? 0,
      command: row ? createdBy.replace(/^\/bin\/sh -c /, '') : '(missing)',
    };
  });
}

/** dive's layer ID: the first part of the layer's path in the archive (`<v1 id>` of `<v1 id>/layer.tar`; `blobs`). */
export function diveLayerId(archivePath: string): string {
  return archivePath.split('/')[0];
}

export function diveExport(report: EfficiencyReport, layers: DiveLayer[]): DiveExport {
  return {
    layer: layers,
    image: {
      sizeBytes: report.sizeBytes,
      inefficientBytes: report.wastedBytes,
      efficiencyScore: report.score,
      fileReference: report.inefficiencies.map((i) => ({ count: i.count, sizeBytes: i.cumulativeSize, file: i.path })),
    },
  };
}
