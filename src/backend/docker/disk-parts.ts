// Bytes on disk per part of an engine's data root, when that root is on this machine and readable (a local
// socket). Counted like `du`: allocated blocks, hard links once.
import * as fs from 'fs';
import * as path from 'path';
import type { DiskUsage } from '../../core/model';
import type { EngineKind } from './normalise';

async function duBytes(root: string, seen: Set<string>): Promise<number> {
  let total = 0;
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(root);
  } catch {
    return 0;
  }
  const key = `${st.dev}:${st.ino}`;
  if (seen.has(key)) return 0;
  seen.add(key);
  total += st.blocks * 512;
  if (!st.isDirectory()) return total;
  let names: string[];
  try {
    names = await fs.promises.readdir(root);
  } catch {
    return total;
  }
  for (const name of names) total += await duBytes(path.join(root, name), seen);
  return total;
}

/** The parts of a local engine's root; undefined when the root is not readable from here. */
export async function localDiskParts(
  kind: EngineKind,
  rootDir: string,
  driver: string,
): Promise<DiskUsage['Parts'] | undefined> {
  if (!rootDir || !path.isAbsolute(rootDir)) return undefined;
  try {
    await fs.promises.access(rootDir, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    return undefined;
  }
  // Docker: image/<driver>/{imagedb,layerdb} and <driver>/ (the data). Podman (containers/storage):
  // <driver>-images, <driver>-layers (metadata) and <driver>/ (the data).
  const parts =
    kind === 'docker'
      ? [
          { name: 'image configs', path: path.join(rootDir, 'image', driver, 'imagedb') },
          { name: 'layer metadata', path: path.join(rootDir, 'image', driver, 'layerdb') },
          { name: 'layer data', path: path.join(rootDir, driver) },
        ]
      : [
          { name: 'image configs', path: path.join(rootDir, `${driver}-images`) },
          { name: 'layer metadata', path: path.join(rootDir, `${driver}-layers`) },
          { name: 'layer data', path: path.join(rootDir, driver) },
        ];
  const seen = new Set<string>();
  const out: NonNullable<DiskUsage['Parts']> = [];
  for (const p of parts) out.push({ ...p, bytes: await duBytes(p.path, seen) });
  return out;
}
