// A layer's package databases, from the files the layer read kept (packageFileKind) and the layer's entries
// (their sizes give each package's documentation bytes; their whiteouts say which databases went). Every
// failure becomes a sentence in `problems`: a damaged database never fails the layer's file list.
import { parseApkInstalled } from '../core/packages/apk';
import { listedPaths, listOwner, md5sumsOwner, parseDpkgStatus } from '../core/packages/dpkg';
import { isDocPath, type InstalledPackage, type LayerPackageDbs, type PackageDb } from '../core/packages/model';
import { supersedingDb, touchesPackageDb, type PackageFileKind } from '../core/packages/paths';
import { readRpmBdb } from '../core/packages/rpm-bdb';
import { whiteoutOf, type LayerEntry } from '../core/filetree';
import { formatBytes, formatCount } from '../core/format';
import { userMessage } from './backend';
import { readRpmDb } from './rpmdb';

/** A package file as the layer read kept it: its bytes, or the size that was too large to keep. */
export interface KeptFile {
  path: string;
  kind: PackageFileKind;
  bytes?: Buffer;
  tooLarge?: number;
}

function docBytes(files: readonly string[] | undefined, docSizes: Map<string, number>): number | undefined {
  if (!files) return undefined;
  let n = 0;
  for (const f of files) n += docSizes.get(f) ?? 0;
  return n;
}

/** Drops the file lists once counted: the inventory keeps only what the views show. */
function plain(p: InstalledPackage, docs: number | undefined): InstalledPackage {
  const out: InstalledPackage = { manager: p.manager, name: p.name, version: p.version, arch: p.arch, size: p.size };
  if (docs !== undefined) out.docs = docs;
  return out;
}

export async function readPackageDbs(kept: readonly KeptFile[], entries: readonly LayerEntry[]): Promise<LayerPackageDbs | undefined> {
  const removed: LayerPackageDbs['removed'] = [];
  const docSizes = new Map<string, number>();
  const walSizes = new Map<string, number>();
  for (const e of entries) {
    if (e.path.endsWith('.sqlite-wal') && e.size > 0) walSizes.set(e.path.slice(0, -'-wal'.length), e.size);
    const w = whiteoutOf(e.path);
    if (w?.kind === 'whiteout' && touchesPackageDb(w.target)) removed.push({ path: w.target, opaque: false });
    else if (w?.kind === 'opaque' && touchesPackageDb(w.dir)) removed.push({ path: w.dir, opaque: true });
    else if (!w && e.type === 'file' && isDocPath(e.path)) docSizes.set(e.path, e.size);
  }
  if (!kept.length && !removed.length) return undefined;
  const problems: string[] = [];
  const lists = new Map<string, string[]>();
  let listsLeft = 0;
  for (const f of kept) {
    if (f.tooLarge !== undefined && f.kind === 'dpkg-list') listsLeft++;
    else if (f.tooLarge !== undefined) problems.push(`/${f.path} is ${formatBytes(f.tooLarge)}, more than a package database can be: it was not read.`);
    else if (f.kind === 'dpkg-list' && f.bytes) {
      const md5 = md5sumsOwner(f.path);
      lists.set((md5 ?? listOwner(f.path)) as string, listedPaths(f.bytes.toString('utf8'), md5 !== undefined));
    }
  }
  if (listsLeft) problems.push(`${formatCount(listsLeft, 'file list')} past the layer's budget for package files not read: their packages' docs are not counted.`);
  const dbs: PackageDb[] = [];
  const keptPaths = new Set(kept.map((f) => f.path));
  for (const f of kept) {
    if (!f.bytes || f.kind === 'dpkg-list') continue;
    // history.ts would set it aside for the sqlite one beside it: not read, so that its damage says nothing.
    const over = supersedingDb(f.path);
    if (over && keptPaths.has(over)) continue;
    try {
      if (f.kind === 'dpkg-status') {
        const { packages, skipped } = parseDpkgStatus(f.bytes.toString('utf8'));
        if (skipped) problems.push(`/${f.path}: ${formatCount(skipped, 'stanza')} without a package name or version skipped.`);
        dbs.push({ manager: 'dpkg', path: f.path, packages: packages.map((p) => plain(p, docBytes(lists.get(p.infoName) ?? lists.get(p.name), docSizes))) });
      } else if (f.kind === 'apk-installed') {
        const { packages, skipped } = parseApkInstalled(f.bytes.toString('utf8'));
        if (skipped) problems.push(`/${f.path}: ${formatCount(skipped, 'stanza')} without a package name or version skipped.`);
        dbs.push({ manager: 'apk', path: f.path, packages: packages.map((p) => plain(p, docBytes(p.files, docSizes))) });
      } else {
        const { packages, damaged, problems: found } = f.kind === 'rpmdb-bdb' ? readRpmBdb(f.bytes) : await readRpmDb(f.bytes);
        if (damaged) problems.push(`/${f.path}: ${formatCount(damaged, 'package header')} damaged, skipped.`);
        for (const p of found) problems.push(`/${f.path}: ${p}.`);
        // rpm empties its write-ahead log when it closes the database; one left full holds changes not read here.
        const wal = walSizes.get(f.path);
        if (wal) problems.push(`/${f.path}-wal holds ${formatBytes(wal)} of changes not yet in the database; they are not read.`);
        dbs.push({ manager: 'rpm', path: f.path, packages: packages.map((p) => plain(p, docBytes(p.files, docSizes))) });
      }
    } catch (e) {
      problems.push(`/${f.path} could not be read as a package database (${userMessage(e)}).`);
    }
  }
  return { dbs, removed, problems };
}
