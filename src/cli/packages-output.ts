// `image-layers packages IMAGE`: the layers that changed packages, then every change, as docker CLI tables;
// --json gives the same report with each layer's step.
import type { ImageBackend } from '../backend/backend';
import { ImageCatalog, stepsOf } from '../backend/catalog';
import { imagePackages, type ImageLayerPackages } from '../backend/image-packages';
import { formatBytes } from '../core/format';
import type { PackageChange } from '../core/packages/history';
import { ellipsis, printable, table } from './docker-format';

export interface PackagesJson {
  id: string;
  layers: (ImageLayerPackages & { layer: number; createdBy: string })[];
  truncated: string[];
}

/** The report with each layer's build step (as History and the Images view pair them). */
export async function packagesReport(backend: ImageBackend, ref: string): Promise<PackagesJson> {
  const catalog = new ImageCatalog(backend);
  const inspect = await catalog.inspect(ref);
  const [report, details] = await Promise.all([imagePackages(backend, inspect.Id), catalog.detailsOf(inspect.Id)]);
  const steps = new Map(stepsOf(details).flatMap((s) => (s.layerIndex === undefined ? [] : [[s.layerIndex, s.createdBy] as const])));
  return { id: report.id, truncated: report.truncated, layers: report.layers.map((l, i) => ({ layer: i + 1, createdBy: steps.get(i) ?? '', ...l })) };
}

function version(c: PackageChange): string {
  return c.from !== undefined ? `${printable(c.from)} -> ${printable(c.version)}` : printable(c.version);
}

/** The two tables, or a sentence when no layer holds a package database. */
export function packagesTables(report: PackagesJson): string {
  const touched = report.layers.filter((l) => l.touched);
  if (!touched.length) return 'No package database (dpkg, apk or rpm) in this image.';
  const layers = [['LAYER', 'CREATED BY', 'PACKAGES', 'ADDED', 'UPGRADED', 'DOWNGRADED', 'REMOVED', 'SIZE', 'DOCS']];
  for (const l of touched) {
    const docs = l.docs === undefined ? '-' : formatBytes(l.docs);
    layers.push([String(l.layer), ellipsis(printable(l.createdBy), 45), String(l.total), String(l.added), String(l.upgraded), String(l.downgraded), String(l.removed), formatBytes(l.bytes), docs]);
  }
  const changes = [['LAYER', 'CHANGE', 'TYPE', 'PACKAGE', 'VERSION', 'ARCH', 'SIZE', 'DOCS']];
  for (const l of touched) {
    for (const c of l.changes) {
      changes.push([String(l.layer), c.kind, c.manager, printable(c.name), version(c), printable(c.arch), formatBytes(c.size), c.docs === undefined ? '-' : formatBytes(c.docs)]);
    }
  }
  return `${table(layers)}\n\n${table(changes)}`;
}
