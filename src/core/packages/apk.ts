// Alpine's database, `lib/apk/db/installed`: a stanza per package of one-letter fields (P name, V version,
// A arch, I installed size in bytes), its files as `F:` folder lines each followed by `R:` file lines.
import { readStanzas } from './control';
import { MAX_PACKAGES, type InstalledPackage } from './model';

export const APK_INSTALLED = 'lib/apk/db/installed';

export interface ApkPackage extends InstalledPackage {
  files: string[];
}

export function parseApkInstalled(text: string): { packages: ApkPackage[]; skipped: number } {
  const packages: ApkPackage[] = [];
  let skipped = 0;
  readStanzas(text, ':', (f, lines) => {
    const name = f.get('P');
    const version = f.get('V');
    if (!name || !version) {
      skipped++;
      return;
    }
    const files: string[] = [];
    let folder = '';
    for (const line of lines) {
      if (line.startsWith('F:')) folder = line.slice(2).replace(/^\/+|\/+$/g, '');
      else if (line.startsWith('R:')) files.push(folder ? `${folder}/${line.slice(2)}` : line.slice(2));
    }
    const size = Number(f.get('I') ?? '0');
    packages.push({ manager: 'apk', name, version, arch: f.get('A') ?? '', size: Number.isFinite(size) && size > 0 ? size : 0, files });
    return packages.length < MAX_PACKAGES;
  });
  if (!packages.length && !skipped && text.trim()) throw new Error('no "P:" stanza in it');
  return { packages, skipped };
}
