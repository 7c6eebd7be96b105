// The image config's `empty_layer` flags on an engine, where they can be had without a `docker save`: Podman's
// libpod inspect carries the config's history; Docker keeps the config bytes under its root, readable when the
// engine is local and this user may read its root. Anywhere else the pairing works from `/history` alone.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The flags of a history list shaped like the image config's (oldest first); undefined when it is not one. */
export function emptyLayerFlags(history: unknown): boolean[] | undefined {
  if (!Array.isArray(history)) return undefined;
  const flags: boolean[] = [];
  for (const h of history) {
    if (!h || typeof h !== 'object') return undefined;
    flags.push((h as { empty_layer?: unknown }).empty_layer === true);
  }
  return flags;
}

/**
 * The flags from Docker's own copy of the config (`<root>/image/<driver>/imagedb/content/sha256/<hex>`); the
 * bytes must hash to the image ID, so a root that is not this engine's cannot answer for it.
 */
export async function localConfigFlags(rootDir: string, driver: string, imageId: string): Promise<boolean[] | undefined> {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(imageId)?.[1];
  if (!hex || !rootDir || !driver || !path.isAbsolute(rootDir)) return undefined;
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path.join(rootDir, 'image', driver, 'imagedb', 'content', 'sha256', hex));
  } catch {
    return undefined;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== hex) return undefined;
  try {
    return emptyLayerFlags((JSON.parse(bytes.toString('utf8')) as { history?: unknown }).history);
  } catch {
    return undefined;
  }
}
