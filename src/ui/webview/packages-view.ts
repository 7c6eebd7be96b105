// The HTML of the Packages panel: per layer that changed packages, its step, a line of counts and sizes, and a
// row per package added, upgraded, downgraded or removed. Names and versions come from the image's own
// databases: html`` escapes every one.
import type { ImageLayerPackages } from '../../backend/image-packages';
import { formatBytes } from '../../core/format';
import type { LayerStep } from '../../core/layers';
import { describeLayerPackages, type PackageChange } from '../../core/packages/history';
import { html, type Html } from './html';

/** Rows shown per layer: a full Debian desktop is a few thousand packages, more than anyone reads. */
const MAX_ROWS = 1000;

function version(c: PackageChange): Html {
  return c.from !== undefined ? html`${c.from} <span class="dim">→</span> ${c.version}` : html`${c.version}`;
}

function layerSection(layer: ImageLayerPackages, index: number, step: LayerStep | undefined): Html {
  const rows = layer.changes.slice(0, MAX_ROWS);
  const more = layer.changes.length - rows.length;
  return html`<section class="package-layer" id="layer-${index + 1}" data-layer="${index + 1}">
<h2>Layer ${index + 1}: <code>${step?.createdBy || '(no build step recorded)'}</code></h2>
<p class="summary">${describeLayerPackages(layer) ?? 'No package changed.'} <span class="dim">· ${layer.total.toLocaleString('en-US')} installed as of this layer</span></p>
${layer.problems.map((p) => html`<p class="error">${p}</p>`)}
${
  rows.length
    ? html`<table class="history packages">
<thead><tr><th>Change</th><th>Package</th><th>Version</th><th>Arch</th><th class="num">Installed size</th><th class="num">Docs</th><th>Type</th></tr></thead>
<tbody>${rows.map(
        (c) => html`<tr class="pkg-${c.kind}"><td class="change">${c.kind}</td><td><code>${c.name}</code></td><td>${version(c)}</td><td class="dim">${c.arch}</td><td class="num">${formatBytes(c.size)}</td><td class="num">${c.docs === undefined ? '–' : formatBytes(c.docs)}</td><td class="dim">${c.manager}</td></tr>`,
      )}</tbody>
</table>${more > 0 ? html`<p class="dim">and ${more.toLocaleString('en-US')} more.</p>` : ''}`
    : ''
}
</section>`;
}

export function packagesHeading(ref: string): Html {
  return html`<h1>Packages <code>${ref}</code></h1>`;
}

export function packagesLoadingBody(ref: string, layers: number): Html {
  return html`${packagesHeading(ref)}<p class="dim">Reading the package databases of ${layers} ${layers === 1 ? 'layer' : 'layers'}…</p>`;
}

/** The report: every layer that wrote or removed a package database, bottom first. */
export function packagesBody(ref: string, layers: ImageLayerPackages[], steps: LayerStep[], truncated: string[]): Html {
  const stepOf = new Map(steps.flatMap((s) => (s.layerIndex === undefined ? [] : [[s.layerIndex, s] as const])));
  const touched = layers.map((l, i) => [l, i] as const).filter(([l]) => l.touched);
  const top = layers.at(-1);
  return html`${packagesHeading(ref)}
${truncated.map((t) => html`<p class="error">${t}</p>`)}
${
  touched.length
    ? html`<p class="dim">${top?.total.toLocaleString('en-US') ?? '0'} packages installed (${top?.managers.join(', ') ?? ''}), read from the image's own package databases. Sizes are the installed sizes the databases record; docs are the files under /usr/share/doc, man and info that a package lists and the layer holds.</p>
<table class="history package-summary">
<thead><tr><th class="num">Layer</th><th>Step</th><th>Packages</th></tr></thead>
<tbody>${touched.map(
        ([l, i]) => html`<tr><td class="num"><a href="#layer-${i + 1}">${i + 1}</a></td><td class="created-by"><code>${stepOf.get(i)?.createdBy ?? ''}</code></td><td>${describeLayerPackages(l) ?? 'No package changed.'}</td></tr>`,
      )}</tbody>
</table>
${touched.map(([l, i]) => layerSection(l, i, stepOf.get(i)))}`
    : html`<p>No package database (dpkg, apk or rpm) in this image.</p>`
}`;
}
