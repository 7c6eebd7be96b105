// The body of the Compare panel: two images' layers bottom to top, side by side, the shared ones marked.
import { describeComparison, type Comparison, type ComparedRow } from '../../core/compare';
import type { FileDiff, FileFacts } from '../../core/filediff';
import { formatBytes } from '../../core/format';
import type { LayerStep } from '../../core/layers';
import type { ImageInspect } from '../../core/model';
import { shortId } from '../../core/reference';
import { fileActions, type ActionButton } from './file-actions-view';
import { html, type Html } from './html';

/** Between the two names in the title of the panel comparing them. */
export const COMPARE_SEPARATOR = ' \u2194 ';

function cell(step: LayerStep | undefined, sameAt: number | undefined, other: string): Html {
  if (!step) return html`<td class="none">—</td><td></td>`;
  return html`<td><code class="step">${step.createdBy || '(no build step recorded)'}</code>${
    sameAt !== undefined ? html`<div class="dim">same content as ${other}'s layer ${sameAt + 1}, stored again on another base</div>` : ''
  }<div class="dim"><code>${shortId(step.diffId ?? '')}</code></div></td><td class="num">${formatBytes(step.size)}</td>`;
}

function row(r: ComparedRow, refA: string, refB: string): Html {
  return html`<tr class="${r.shared ? 'shared' : 'differs'}">
<td class="num">${r.layer + 1}</td>
${cell(r.a, r.aSameContentAt, refB)}
<td class="mark">${r.shared ? 'shared' : ''}</td>
${cell(r.b, r.bSameContentAt, refA)}
</tr>`;
}

/** Rows shown per list of files; the counts above say how many there are in all. */
export const FILE_ROWS = 200;

const MODE = (m: number) => m.toString(8).padStart(4, '0');

function facts(f: FileFacts): Html {
  return html`${f.type === 'file' ? '' : `${f.type} `}${formatBytes(f.size)} · ${MODE(f.mode)}${f.linkname !== undefined ? ` → ${f.linkname}` : ''}`;
}

/** What sets two entries of one path apart, when their sizes, modes and types do not show it. */
function contentsNote(a: FileFacts, b: FileFacts): Html {
  const looksAlike = a.type === b.type && a.size === b.size && a.mode === b.mode && a.linkname === b.linkname;
  return looksAlike ? html`<td class="dim">other contents</td>` : html`<td></td>`;
}

/** A file of one side: open, copy, save it from that image. */
function sideActions(path: string, side: 'a' | 'b', ref: string): Html {
  return fileActions(path, [
    { action: 'open', label: 'Open', title: `Open /${path} of ${ref}`, side },
    { action: 'copyPath', label: 'Copy path', title: 'Copy the path', side },
    { action: 'save', label: 'Save…', title: `Save /${path} of ${ref} out`, side },
  ]);
}

function fileList(id: string, title: string, files: FileFacts[], side: 'a' | 'b', ref: string): Html {
  if (!files.length) return html``;
  return html`<h3>${title}</h3><table class="files" id="${id}">
<tbody>${files.slice(0, FILE_ROWS).map((f) => html`<tr><td><code>/${f.path}</code></td><td class="num">${facts(f)}</td><td>${f.type === 'file' ? sideActions(f.path, side, ref) : ''}</td></tr>`)}</tbody>
</table>${files.length > FILE_ROWS ? html`<p class="dim">and ${(files.length - FILE_ROWS).toLocaleString('en-US')} more.</p>` : ''}`;
}

/** A path in both: open either side, or diff the two (files only: a folder or link has no text to diff). */
function differActions(a: FileFacts, b: FileFacts, refA: string, refB: string): Html {
  if (a.type !== 'file' && b.type !== 'file') return html``;
  const buttons: ActionButton[] = [];
  if (a.type === 'file' && b.type === 'file') buttons.push({ action: 'diffOther', label: 'Diff', title: `Diff /${a.path} of ${refA} with ${refB}` });
  if (a.type === 'file') buttons.push({ action: 'open', label: 'Open A', title: `Open /${a.path} of ${refA}`, side: 'a' });
  if (b.type === 'file') buttons.push({ action: 'open', label: 'Open B', title: `Open /${b.path} of ${refB}`, side: 'b' });
  return fileActions(a.path, buttons);
}

/** The Files section: still being read (`undefined`), failed (a string), or the difference. */
export function compareFilesSection(refA: string, refB: string, files: FileDiff | string | undefined): Html {
  if (files === undefined) return html`<h2>Files</h2><p id="files-summary" class="dim">Reading the files of both images…</p>`;
  if (typeof files === 'string') return html`<h2>Files</h2><p id="files-summary" class="error">${files}</p>`;
  const summary = `${files.onlyA.length.toLocaleString('en-US')} only in ${refA} (${formatBytes(files.bytesOnlyA)}) · ${files.onlyB.length.toLocaleString('en-US')} only in ${refB} (${formatBytes(files.bytesOnlyB)}) · ${files.differ.length.toLocaleString('en-US')} in both but different · ${files.same.toLocaleString('en-US')} alike`;
  return html`<h2>Files</h2>
<p id="files-summary">${summary}</p>
<p class="dim">Compared by type, size, mode, link target and contents (a sha256 of every file, taken as the layers are read).</p>
${fileList('only-a-files', `Only in ${refA}`, files.onlyA, 'a', refA)}
${fileList('only-b-files', `Only in ${refB}`, files.onlyB, 'b', refB)}
${
  files.differ.length
    ? html`<h3>In both, different</h3><table class="files" id="differ-files"><tbody>${files.differ
        .slice(0, FILE_ROWS)
        .map((d) => html`<tr><td><code>/${d.a.path}</code></td><td class="num">${facts(d.a)}</td><td>→</td><td class="num">${facts(d.b)}</td>${contentsNote(d.a, d.b)}<td>${differActions(d.a, d.b, refA, refB)}</td></tr>`)}</tbody></table>`
    : ''
}`;
}

export function compareBody(refA: string, a: ImageInspect, refB: string, b: ImageInspect, c: Comparison, files?: Html): Html {
  const verdict = a.Id === b.Id ? 'The same image.' : describeComparison(refA, refB, c);
  return html`<h1>Compare <code>${refA}</code> with <code>${refB}</code></h1>
<p id="verdict">${verdict}</p>
<table class="facts">
<tr><th>Shared</th><td id="shared">${c.shared.layers} layer${c.shared.layers === 1 ? '' : 's'}, ${formatBytes(c.shared.bytes)}: stored once</td></tr>
<tr><th>Only in ${refA}</th><td id="only-a">${c.onlyA.layers} layer${c.onlyA.layers === 1 ? '' : 's'}, ${formatBytes(c.onlyA.bytes)}</td></tr>
<tr><th>Only in ${refB}</th><td id="only-b">${c.onlyB.layers} layer${c.onlyB.layers === 1 ? '' : 's'}, ${formatBytes(c.onlyB.bytes)}</td></tr>
<tr><th>IDs</th><td><code>${shortId(a.Id)}</code> · <code>${shortId(b.Id)}</code></td></tr>
</table>
<table class="compare">
<thead><tr><th class="num">#</th><th>${refA}</th><th class="num">SIZE</th><th></th><th>${refB}</th><th class="num">SIZE</th></tr></thead>
<tbody>${c.rows.map((r) => row(r, refA, refB))}</tbody>
</table>
${files ?? compareFilesSection(refA, refB, undefined)}`;
}
