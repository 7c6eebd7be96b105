// Where package databases live in an image: the only files a layer read keeps the bytes of.
import { APK_INSTALLED } from './apk';
import { DPKG_STATUS, DPKG_STATUS_D, listOwner, md5sumsOwner } from './dpkg';

/** rpm 4.16+ keeps an sqlite database; Fedora 36+ moved it to usr/lib/sysimage/rpm (var/lib/rpm links there). */
export const RPMDB_PATHS = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];
/** Older rpm's Berkeley DB (RHEL/CentOS 7-8, Amazon Linux 2); the `__db.*` files beside it are its environment, not data. */
export const RPM_BDB_PATHS = ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages'];

export type PackageFileKind = 'dpkg-status' | 'dpkg-list' | 'apk-installed' | 'rpmdb' | 'rpmdb-bdb';

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
  if (RPM_BDB_PATHS.includes(path)) return 'rpmdb-bdb';
  return undefined;
}

/**
 * The database that takes the place of the one at `path` when both are there: rpm 4.16+ reads rpmdb.sqlite and
 * leaves a Berkeley DB `Packages` beside it unread (as `rpmdb --rebuilddb` from one to the other can leave it).
 */
export function supersedingDb(path: string): string | undefined {
  return RPM_BDB_PATHS.includes(path) ? `${path.slice(0, -'Packages'.length)}rpmdb.sqlite` : undefined;
}

const DB_ROOTS = [DPKG_STATUS, DPKG_STATUS_D.slice(0, -1), APK_INSTALLED, ...RPMDB_PATHS, ...RPM_BDB_PATHS];

/** A whiteout of `target` (or an opaque `target` folder) can remove a database: it is one, holds one, or is in status.d. */
export function touchesPackageDb(target: string): boolean {
  return DB_ROOTS.some((root) => root === target || root.startsWith(`${target}/`) || target.startsWith(`${root}/`));
}
