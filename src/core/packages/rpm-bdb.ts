// rpm's Berkeley DB database (`Packages`, rpm before 4.16): a hash whose values are header blobs as
// rpmdb.sqlite keeps them, keyed by header number (4 bytes in the writer's byte order). Number 0 is rpm's own
// bookkeeping (the last number it gave out), not a package.
import { formatCount } from '../format';
import { readBdbHash } from './bdb-hash';
import { MAX_PACKAGES } from './model';
import { parseRpmHeader, type RpmDbRead, type RpmPackage } from './rpm-header';

const isBookkeeping = (key: Buffer) => key.length === 4 && key.readUInt32LE(0) === 0;

/** The packages of a `Packages` file's bytes; throws, with the reason, when damage left none to read. */
export function readRpmBdb(bytes: Uint8Array, max = MAX_PACKAGES): RpmDbRead {
  const packages: RpmPackage[] = [];
  let damaged = 0;
  let full = false;
  const read = readBdbHash(bytes, (key, value) => {
    if (isBookkeeping(key)) return true;
    if (packages.length + damaged >= max) return !(full = true);
    try {
      packages.push(parseRpmHeader(value));
    } catch {
      damaged++;
    }
    return true;
  });
  if (read.unreadable) throw new Error(read.unreadable);
  const problems = [...read.problems];
  if (read.damaged) problems.push(`${formatCount(read.damaged, 'entry', 'entries')} could not be read, skipped (${read.firstDamage})`);
  if (full) problems.push(`it holds more than ${formatCount(max, 'package')}: only the first are listed`);
  // A layer's database read as empty would remove every package below it: when damage left nothing, nothing was read.
  if (!packages.length && !damaged && problems.length) throw new Error(problems.join('; '));
  return { packages, damaged, problems };
}
