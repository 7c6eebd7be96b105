// What the store knows about layers' compressed forms, as the engine keeps it under image/<driver>/distribution:
// diffid-by-digest (compressed digest → diff ID, written at commit) and v2metadata-by-diffid (diff ID → the
// compressed digests it was pulled or pushed as, with the repository). The store keeps only uncompressed tars,
// so these are hints: a pull skips a blob whose diff ID it has, a push asks the registry whether it already
// has a digest before compressing and uploading the layer again. Each digest keeps its compression (a field the
// engine's records lack and ignore), so a push that reuses a blob labels it with its real media type.
import { promises as fs } from 'fs';
import * as path from 'path';
import { isDigest } from '../../core/digest';
import { parseCompression, type Compression } from '../../core/compression';
import { readTextIfExists, writeFileAtomic } from './atomic';
import type { StoreLayout } from './layout';

/** A layer's blob as it travelled compressed: its digest and how it was compressed. */
export interface CompressedBlob {
  digest: string;
  compression: Exclude<Compression, 'none'>;
}

export interface V2Metadata {
  Digest: string;
  /** Full repository name (`127.0.0.1:5000/sample/app`), '' when the layer came from an archive. */
  SourceRepository: string;
  /** Docker fills this for authenticated sources; kept for the file's shape. */
  HMAC: string;
  Compression: CompressedBlob['compression'];
}

/** The diff ID a compressed blob was seen to decompress to, if the store recorded one. */
export async function diffIdOfDigest(layout: StoreLayout, digest: string): Promise<string | undefined> {
  const text = (await readTextIfExists(layout.diffIdByDigest(digest)))?.trim();
  return text && isDigest(text) ? text : undefined;
}

/** The compressed digests a layer is known under, most recent first. */
export async function knownDigests(layout: StoreLayout, diffId: string): Promise<V2Metadata[]> {
  const text = await readTextIfExists(layout.v2MetadataByDiffId(diffId));
  if (!text) return [];
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) return [];
    return list
      .filter((m): m is V2Metadata => !!m && typeof m === 'object' && isDigest((m as V2Metadata).Digest))
      .map((m) => ({
        Digest: m.Digest,
        SourceRepository: typeof m.SourceRepository === 'string' ? m.SourceRepository : '',
        HMAC: '',
        Compression: parseCompression(m.Compression),
      }));
  } catch {
    // A damaged hint is no hint.
    return [];
  }
}

/**
 * Records that `diffId` is known as compressed blob `digest` (in `repository`, when it came from a registry).
 * Both files are replaced atomically; two writers racing lose a hint at worst, never the store's consistency.
 */
export async function recordDigest(layout: StoreLayout, diffId: string, blob: CompressedBlob, repository: string): Promise<void> {
  const { digest, compression } = blob;
  const byDigest = layout.diffIdByDigest(digest);
  const byDiff = layout.v2MetadataByDiffId(diffId);
  await fs.mkdir(path.dirname(byDigest), { recursive: true });
  await fs.mkdir(path.dirname(byDiff), { recursive: true });
  if ((await diffIdOfDigest(layout, digest)) !== diffId) await writeFileAtomic(byDigest, diffId);
  const list = await knownDigests(layout, diffId);
  const rest = list.filter((m) => !(m.Digest === digest && m.SourceRepository === repository));
  const first = list[0];
  if (rest.length === list.length || first?.Digest !== digest || first?.SourceRepository !== repository || first?.Compression !== compression) {
    // Docker caps the list too; a layer pushed to many repositories should not grow a file without end.
    await writeFileAtomic(byDiff, JSON.stringify([{ Digest: digest, SourceRepository: repository, HMAC: '', Compression: compression }, ...rest].slice(0, 50)));
  }
}
