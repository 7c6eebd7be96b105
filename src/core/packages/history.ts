// Which packages each layer added, upgraded, downgraded or removed: the databases of every layer applied in
// order, as the layers' files are (a later layer's database replaces the file below; a whiteout removes it),
// and each layer's inventory compared with the one below it.
import { formatBytes, formatCount } from '../format';
import { packageKey, type InstalledPackage, type LayerPackageDbs, type PackageDb, type PackageManager } from './model';
import { supersedingDb } from './paths';
import { compareVersions } from './version';

export type PackageChangeKind = 'added' | 'upgraded' | 'downgraded' | 'removed';

export interface PackageChange {
  kind: PackageChangeKind;
  manager: PackageManager;
  name: string;
  arch: string;
  /** The version as of this layer (for a removal, the one removed). */
  version: string;
  /** The version below, for an upgrade or downgrade. */
  from?: string;
  /** Installed size in bytes as of this layer (for a removal, what the layer below said). */
  size: number;
  docs?: number;
}

export interface LayerPackages {
  /** A database was written or removed in this layer. */
  touched: boolean;
  changes: PackageChange[];
  added: number;
  upgraded: number;
  downgraded: number;
  removed: number;
  /** Installed size of the packages added, upgraded or downgraded here (their new sizes). */
  bytes: number;
  /** The documentation part of `bytes`; undefined when no database here lists its packages' files. */
  docs?: number;
  /** Packages installed as of this layer, every manager counted. */
  total: number;
  managers: PackageManager[];
  problems: string[];
}

const KIND_ORDER: Record<PackageChangeKind, number> = { added: 0, upgraded: 1, downgraded: 2, removed: 3 };

function inventory(sources: Map<string, PackageDb>): Map<string, InstalledPackage> {
  const out = new Map<string, InstalledPackage>();
  for (const path of [...sources.keys()].sort()) {
    const over = supersedingDb(path);
    if (over && sources.has(over)) continue;
    for (const p of sources.get(path)?.packages ?? []) out.set(packageKey(p), p);
  }
  return out;
}

function removeUnder(sources: Map<string, PackageDb>, path: string, opaque: boolean): void {
  for (const key of [...sources.keys()]) {
    if ((!opaque && key === path) || key.startsWith(`${path}/`)) sources.delete(key);
  }
}

/** Each layer's package changes, bottom first, from what each layer holds of package databases. */
export function packageHistory(layers: readonly LayerPackageDbs[]): LayerPackages[] {
  const sources = new Map<string, PackageDb>();
  let below = new Map<string, InstalledPackage>();
  return layers.map((layer) => {
    const touched = layer.dbs.length > 0 || layer.removed.length > 0;
    for (const r of layer.removed) removeUnder(sources, r.path, r.opaque);
    for (const db of layer.dbs) sources.set(db.path, db);
    const now = touched ? inventory(sources) : below;
    const changes: PackageChange[] = [];
    for (const [key, p] of now) {
      const old = below.get(key);
      if (!old) changes.push(change('added', p));
      else if (old.version !== p.version) changes.push({ ...change(compareVersions(p.version, old.version) < 0 ? 'downgraded' : 'upgraded', p), from: old.version });
    }
    for (const [key, old] of below) if (!now.has(key)) changes.push(change('removed', old));
    changes.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.arch < b.arch ? -1 : 1));
    below = now;
    const count = (k: PackageChangeKind) => changes.filter((c) => c.kind === k).length;
    const installed = changes.filter((c) => c.kind !== 'removed');
    const withDocs = installed.filter((c) => c.docs !== undefined);
    return {
      touched,
      changes,
      added: count('added'),
      upgraded: count('upgraded'),
      downgraded: count('downgraded'),
      removed: count('removed'),
      bytes: installed.reduce((n, c) => n + c.size, 0),
      docs: withDocs.length ? withDocs.reduce((n, c) => n + (c.docs ?? 0), 0) : undefined,
      total: now.size,
      managers: [...new Set([...now.values()].map((p) => p.manager))].sort(),
      problems: layer.problems,
    };
  });
}

function change(kind: PackageChangeKind, p: InstalledPackage): PackageChange {
  const c: PackageChange = { kind, manager: p.manager, name: p.name, arch: p.arch, version: p.version, size: p.size };
  if (p.docs !== undefined) c.docs = p.docs;
  return c;
}

/**
 * "212 packages added, 180MB, of which 40MB docs", "1 package added, 2 upgraded, 13.1MB; 1 removed": the size is
 * what the packages installed here take (added, upgraded or downgraded); undefined when nothing changed.
 */
export function describeLayerPackages(l: LayerPackages): string | undefined {
  const counts = [
    [l.added, 'added'],
    [l.upgraded, 'upgraded'],
    [l.downgraded, 'downgraded'],
  ].filter(([n]) => n) as [number, string][];
  const installed = counts.map(([n, what], i) => (i === 0 ? `${formatCount(n, 'package')} ${what}` : `${n.toLocaleString('en-US')} ${what}`));
  if (installed.length) installed.push(formatBytes(l.bytes) + (l.docs !== undefined ? `, of which ${formatBytes(l.docs)} docs` : ''));
  const text = installed.join(', ');
  if (!l.removed) return text || undefined;
  const removed = installed.length ? `${l.removed.toLocaleString('en-US')} removed` : `${formatCount(l.removed, 'package')} removed`;
  return text ? `${text}; ${removed}` : removed;
}
