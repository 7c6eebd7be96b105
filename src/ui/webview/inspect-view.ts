// The body of the Inspect panel: the facts a user looks for first, then the whole inspect JSON as a tree.
import { formatAge, formatBytes, unixSeconds } from '../../core/format';
import type { ImageInspect } from '../../core/model';
import { html, type Html } from './html';
import { jsonTree } from './json-tree-view';

function list(values: string[] | null | undefined): Html {
  if (!values || values.length === 0) return html`<span class="none">none</span>`;
  return html`<ul>${values.map((v) => html`<li><code>${v}</code></li>`)}</ul>`;
}

export function inspectBody(ref: string, i: ImageInspect): Html {
  const c = i.Config ?? {};
  const created = unixSeconds(i.Created);
  const platform = [i.Os, i.Architecture, i.Variant].filter(Boolean).join('/');
  const labels = Object.entries(c.Labels ?? {});
  return html`<h1>Inspect <code>${ref}</code></h1>
<table class="facts">
<tr><th>ID</th><td><code class="image-id">${i.Id}</code></td></tr>
<tr><th>Tags</th><td>${list(i.RepoTags)}</td></tr>
<tr><th>Digests</th><td>${list(i.RepoDigests)}</td></tr>
<tr><th>Created</th><td>${i.Created} <span class="dim">(${formatAge(created)})</span></td></tr>
<tr><th>Size</th><td>${formatBytes(i.Size)} <span class="dim">(${i.Size} bytes)</span></td></tr>
<tr><th>Platform</th><td>${platform}</td></tr>
<tr><th>Entrypoint</th><td>${list(c.Entrypoint)}</td></tr>
<tr><th>Cmd</th><td>${list(c.Cmd)}</td></tr>
<tr><th>Working dir</th><td><code>${c.WorkingDir || '/'}</code></td></tr>
<tr><th>User</th><td><code>${c.User || 'root'}</code></td></tr>
<tr><th>Exposed ports</th><td>${list(Object.keys(c.ExposedPorts ?? {}))}</td></tr>
<tr><th>Env</th><td>${list(c.Env)}</td></tr>
<tr><th>Labels</th><td>${
    labels.length
      ? html`<table class="labels">${labels.map(([k, v]) => html`<tr><td><code>${k}</code></td><td>${v}</td></tr>`)}</table>`
      : html`<span class="none">none</span>`
  }</td></tr>
<tr><th>Layers</th><td>${i.RootFS?.Layers?.length ?? 0}${i.RootFS?.Type && i.RootFS.Type !== 'layers' ? html` <span class="dim">(RootFS type ${i.RootFS.Type})</span>` : ''}</td></tr>
</table>
<h2>RootFS layers</h2>
<ol class="layers">${(i.RootFS?.Layers ?? []).map((l) => html`<li><code>${l}</code></li>`)}</ol>
<h2>JSON</h2>
${jsonTree(i)}`;
}
