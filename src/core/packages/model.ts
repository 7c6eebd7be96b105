// What a package database says, reduced to what the views show: a package's name, version, architecture,
// installed size, and the part of that size which is documentation (where the database lists its files).

export type PackageManager = 'dpkg' | 'apk' | 'rpm';

export interface InstalledPackage {
  manager: PackageManager;
  name: string;
  version: string;
  arch: string;
  /** Installed size in bytes, as the database records it (dpkg's Installed-Size is KiB, and is multiplied). */
  size: number;
  /** Bytes of this package's files under usr/share/{doc,man,info} found in the layer the database was read from. */
  docs?: number;
}

/** One package database read from a layer: its path in the image and its packages. */
export interface PackageDb {
  manager: PackageManager;
  path: string;
  packages: InstalledPackage[];
}

/** What one layer holds of package databases: those written in it, those it removed, and what could not be read. */
export interface LayerPackageDbs {
  dbs: PackageDb[];
  /** Paths of the layer's whiteouts (a removed file or folder) and opaque folders, where they touch a database. */
  removed: { path: string; opaque: boolean }[];
  /** Sentences: a database too large, malformed or cut off. */
  problems: string[];
}

/** A package's identity across layers: the manager, the name, and the architecture where two may coexist. */
export function packageKey(p: InstalledPackage): string {
  return `${p.manager}\0${p.name}\0${p.manager === 'apk' ? '' : p.arch}`;
}

/** Files whose bytes count as documentation, as Debian's and Alpine's doc packages split them off. */
export function isDocPath(path: string): boolean {
  return /^usr\/share\/(?:doc|man|info)\//.test(path);
}

/** Most packages any one database may list: far beyond any real system, small enough to bound memory. */
export const MAX_PACKAGES = 200_000;
