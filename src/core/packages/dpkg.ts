// dpkg's database: `var/lib/dpkg/status` (every package, one stanza each), distroless images' `status.d/<name>`
// (one stanza per file, no status field), and `info/<package>.list` (the files each package installed).
import { readStanzas } from './control';
import { MAX_PACKAGES, type InstalledPackage } from './model';

export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';
export const DPKG_INFO = 'var/lib/dpkg/info/';

/** dpkg's states in which a package's files are on disk (not `not-installed` nor `config-files`). */
const ON_DISK = new Set(['installed', 'half-installed', 'unpacked', 'half-configured', 'triggers-awaited', 'triggers-pending']);

export interface DpkgPackage extends InstalledPackage {
  /** `name` or `name:arch` for `Multi-Arch: same` packages: the base name of its info files. */
  infoName: string;
}

/**
 * The packages of a status file whose files are on disk. A stanza without `Status` counts (distroless writes
 * none); one without a name or version is skipped and counted in `skipped`.
 */
export function parseDpkgStatus(text: string): { packages: DpkgPackage[]; skipped: number } {
  const packages: DpkgPackage[] = [];
  let skipped = 0;
  let stanzas = 0;
  readStanzas(text, ':', (f) => {
    stanzas++;
    const name = f.get('Package');
    const version = f.get('Version');
    const status = f.get('Status');
    if (status !== undefined && !ON_DISK.has(status.split(' ')[2] ?? '')) return;
    if (!name || !version) {
      skipped++;
      return;
    }
    const arch = f.get('Architecture') ?? '';
    const kib = Number(f.get('Installed-Size') ?? '0');
    const infoName = f.get('Multi-Arch') === 'same' ? `${name}:${arch}` : name;
    packages.push({ manager: 'dpkg', name, version, arch, size: Number.isFinite(kib) && kib > 0 ? kib * 1024 : 0, infoName });
    return packages.length < MAX_PACKAGES;
  });
  // Bytes that hold no stanza are not an empty database: taking them as one would show every package removed.
  if (stanzas === 0 && text.trim()) throw new Error('no "Package:" stanza in it');
  return { packages, skipped };
}

/** The info file's package name: `info/libc6:amd64.list` → `libc6:amd64`. */
export function listOwner(path: string): string | undefined {
  if (!path.startsWith(DPKG_INFO) || !path.endsWith('.list')) return undefined;
  const name = path.slice(DPKG_INFO.length, -'.list'.length);
  return name && !name.includes('/') ? name : undefined;
}

/** Distroless' `status.d/<name>.md5sums` lists a package's files as `md5  path`: its file list. */
export function md5sumsOwner(path: string): string | undefined {
  if (!path.startsWith(DPKG_STATUS_D) || !path.endsWith('.md5sums')) return undefined;
  const name = path.slice(DPKG_STATUS_D.length, -'.md5sums'.length);
  return name && !name.includes('/') ? name : undefined;
}

/** The paths a `.list` (absolute paths, one a line) or an `.md5sums` (`md5  relative path`) names, cleaned. */
export function listedPaths(text: string, md5sums: boolean): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const path = md5sums ? line.slice(line.indexOf(' ') + 1).trimStart() : line;
    const clean = path.replace(/^\/+/, '').replace(/\r$/, '');
    if (clean) out.push(clean);
  }
  return out;
}
