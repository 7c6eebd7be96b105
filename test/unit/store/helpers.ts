// Shared by the store tests: temp folders, a fingerprint of a store's files, and small archive builders.
import { createHash } from 'crypto';
import { mkdtempSync, promises as fs, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import { sampleImages, writeDockerSaveArchive } from '../../fixtures/archives';

export function tempDir(prefix = 'image-layers-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file and folder under the store (but its tmp/ and lock), with a hash of each file: equal means unchanged. */
export async function fingerprint(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === 'tmp' || r === 'lock' || r === 'events.log') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        out.push(r + '/');
        await walk(full, r);
      } else out.push(`${r} ${createHash('sha256').update(await fs.readFile(full)).digest('hex')}`);
    }
  };
  await walk(root, '');
  return out.sort();
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Rewrites the size field of the first tar header and fixes its checksum. */
export function patchFirstHeaderSize(tar: Buffer, size: number): Buffer {
  return patchHeader(tar, 0, (h) => Buffer.from(size.toString(8).padStart(11, '0') + '\0').copy(h, 124));
}

/** A copy of `tar` whose header at `at` is changed by `patch`, with its checksum made right again. */
export function patchHeader(tar: Buffer, at: number, patch: (header: Buffer) => void): Buffer {
  const out = Buffer.from(tar);
  const header = out.subarray(at, at + 512);
  patch(header);
  Buffer.from('        ').copy(header, 148);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += header[i];
  Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ').copy(header, 148);
  return out;
}

/** An assert.rejects check: the error is a BackendError of this kind. */
export const kindOf = (kind: string) => (e: Error & { kind?: string }) => e.kind === kind;

/** A store in `dir`/store holding the two sample images, loaded from a `docker save` archive; their IDs in order. */
export async function sampleStore(dir: string): Promise<{ store: BuiltinStore; ids: string[] }> {
  const archive = path.join(dir, 'a.tar');
  const { ids } = await writeDockerSaveArchive(archive, sampleImages());
  const store = new BuiltinStore(path.join(dir, 'store'));
  await store.loadArchive(archive);
  return { store, ids };
}
