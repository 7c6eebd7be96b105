// Where package databases live in an image: the only files a layer read keeps the bytes of.
import { APK_INSTALLED } from './apk';
import { DPKG_STATUS, DPKG_STATUS_D, listOwner, md5sumsOwner } from './dpkg';

/** rpm 4.16+ keeps an sqlite database; Fedora 36+ moved it to usr/lib/sysimage/rpm (var/lib/rpm links there). */
export const RPMDB_PATHS = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];

export type PackageFileKind = 'dpkg-status' | 'dpkg-list' | 'apk-installed' | 'rpmdb';

/** What a layer's file is to the package reader, or undefined for every other file. */
export function packageFileKind(path: string): PackageFileKind | undefined {
  if (path === DPKG_STATUS) return 'dpkg-status';
  if (path.startsWith(DPKG_STATUS_D)) {
    if (md5sumsOwner(path)) return 'dpkg-list';
    const rest = path.slice(DPKG_STATUS_D.length);
    return rest && !rest.includes('/') && !rest.startsWith('.') ? 'dpkg-status' : undefined;
  }
  if (listOwner(path)) return 'dpkg-list';
  if (path === APK_INSTALLED) return 'apk-installed';
  if (RPMDB_PATHS.includes(path)) return 'rpmdb';
  return undefined;
}

const DB_ROOTS = [DPKG_STATUS, DPKG_STATUS_D.slice(0, -1), APK_INSTALLED, ...RPMDB_PATHS];

/** A whiteout of `target` (or an opaque `target` folder) can remove a database: it is one, holds one, or is in status.d. */
export function touchesPackageDb(target: string): boolean {
  return DB_ROOTS.some((root) => root === target || root.startsWith(`${target}/`) || target.startsWith(`${root}/`));
}
