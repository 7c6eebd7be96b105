// The HTML of the Layer Files and Wasted Space panels, and the rows the Layer Files script renders. Every name
// here comes from an image's tar or history: html`` escapes it, and the script only ever sets textContent.
import type { EfficiencyReport, Inefficiency } from '../../core/efficiency';
import { layerFileActions } from './file-actions-view';
import type { FileNode, TreeCounts } from '../../core/filetree';
import { formatBytes, formatCount } from '../../core/format';
import type { LayerStep } from '../../core/layers';
import { html, type Html } from './html';
import type { FileRow } from './protocol';

const TYPE_CHAR: Record<string, string> = { dir: 'd', symlink: 'l', hardlink: 'h', file: '-', other: '?' };

/** `drwxr-xr-x`, as `ls -l` and dive print a mode. */
export function modeString(type: string, mode: number): string {
  const bits = 'rwxrwxrwx';
  let out = TYPE_CHAR[type] ?? '?';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

export function fileRow(node: FileNode, fullPath = false): FileRow {
  const dir = node.type === 'dir';
  const row: FileRow = {
    name: fullPath ? '/' + node.path : node.name,
    path: node.path,
    dir,
    children: dir && node.change !== 'removed' ? (node.children?.size ?? 0) : 0,
    change: node.change,
    size: formatBytes(dir ? node.total : node.size),
    bytes: dir ? node.total : node.size,
    mode: node.implied ? '' : modeString(node.type, node.mode),
    kind: node.type,
  };
  if (node.linkname !== undefined) row.link = node.linkname;
  if (node.opaque) row.opaque = true;
  return row;
}

export function countsText(c: TreeCounts, merged: boolean): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [formatCount(c.entries, 'entry', 'entries'), formatCount(c.files, 'file'), formatCount(c.dirs, 'directory', 'directories'), formatCount(c.links, 'link'), formatBytes(c.bytes)];
  if (!merged) {
    parts.push(`${n(c.added)} added`, `${n(c.modified)} modified`, `${n(c.removed)} removed` + (c.removed ? ` (${formatBytes(c.removedBytes)})` : ''));
  }
  return parts.join(' · ');
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

export function layerLabel(step: LayerStep): string {
  return `${(step.layerIndex ?? 0) + 1}. ${truncate(step.createdBy || '(no build step recorded)', 90)} — ${formatBytes(step.size)}`;
}

/** The Layer Files page: controls and empty containers the script fills. */
export function layerFilesBody(ref: string, steps: LayerStep[], selected: number): Html {
  return html`<div id="app" class="layer-files" data-layer="${selected}">
<h1>Layer files <code>${ref}</code></h1>
<div class="controls">
  <label>Layer <select id="layer">${steps.map(
    (s) => html`<option value="${s.layerIndex}"${s.layerIndex === selected ? html` selected` : ''}>${layerLabel(s)}</option>`,
  )}</select></label>
  <label class="merged"><input type="checkbox" id="merged"> Merged filesystem as of this layer</label>
  <input type="search" id="filter" placeholder="Filter by path" aria-label="Filter by path" spellcheck="false">
</div>
<p id="counts" class="counts dim"></p>
<p id="status" class="status dim" role="status">Loading…</p>
<div id="legend" class="legend dim" hidden><span class="change-added"><span class="mark">A</span> added</span> <span class="change-modified"><span class="mark">M</span> modified</span> <span class="change-removed"><span class="mark">D</span> removed</span></div>
<div id="tree" class="tree" role="tree" aria-label="Files"></div>
<div id="matches" class="tree" role="list" hidden></div>
</div>`;
}

export function wasteLoadingBody(ref: string, layers: number): Html {
  return html`<h1>Wasted space <code>${ref}</code></h1><p class="dim">Reading ${layers} ${layers === 1 ? 'layer' : 'layers'}…</p>`;
}

const MAX_ROWS = 200;

/** The layer a wasted path's file is read as of: the highest that wrote it (below its removal, when removed last). */
export function lastCopyLayer(r: Inefficiency): number {
  return r.layers[r.layers.length - 1] - (r.removed ? 1 : 0);
}

function wasteActions(r: Inefficiency): Html {
  const layer = lastCopyLayer(r);
  return layer >= 0 ? layerFileActions(r.path.replace(/^\/+/, ''), layer) : html``;
}

/** dive's image details: score, size, potential waste, and the biggest offenders. */
export function wasteBody(ref: string, report: EfficiencyReport & { truncated?: string[] }): Html {
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.9995 ? 1 : 2)} %`;
  const rows = report.inefficiencies.slice(0, MAX_ROWS);
  const more = report.inefficiencies.length - rows.length;
  // dive's "user size": every layer but the bottom one, whichever image that one came from.
  const n = report.layerSizes.length;
  const above = n === 2 ? 'layer 2' : `layers 2–${n}`;
  const userShare = report.userSizeBytes > 0 ? ` (${pct(report.wastedBytes / report.userSizeBytes)} of the ${formatBytes(report.userSizeBytes)} in ${above}, above layer 1)` : '';
  return html`<h1>Wasted space <code>${ref}</code></h1>
<table class="facts">
<tr><th>Efficiency score</th><td class="score" id="score">${pct(report.score)}</td></tr>
<tr><th>Total image size</th><td id="total-size">${formatBytes(report.sizeBytes)}</td></tr>
<tr><th>Potential wasted space</th><td id="wasted">${formatBytes(report.wastedBytes)}${userShare}</td></tr>
<tr><th>Layers</th><td>${report.layerSizes.length}</td></tr>
</table>
${(report.truncated ?? []).map((t) => html`<p class="error">${t}</p>`)}
<p class="dim">As dive counts it: a path written in more than one layer, or written and then removed by a later layer, wastes every copy's bytes; the score is the smallest copy of each path over all copies.</p>
${
  rows.length === 0
    ? html`<p>No file is written twice or removed after being written: nothing is wasted.</p>`
    : html`<table class="history waste">
<thead><tr><th class="num">Count</th><th class="num">Total space</th><th>Path</th><th>Layers</th></tr></thead>
<tbody>${rows.map(
        (r) => html`<tr><td class="num">${r.count}</td><td class="num">${formatBytes(r.cumulativeSize)}</td><td><code>${r.path}</code>${r.removed ? html` <span class="dim">(removed)</span>` : ''}</td><td class="dim">${r.layers.map((l) => l + 1).join(', ')}</td><td>${wasteActions(r)}</td></tr>`,
      )}</tbody>
</table>${more > 0 ? html`<p class="dim">and ${more.toLocaleString('en-US')} more.</p>` : ''}`
}`;
}
