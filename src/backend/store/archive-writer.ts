// The one writer of image archives, used by `saveImages` (layers streamed from the store) and by the sample
// images (layers built in memory): the legacy `docker save` layout every engine loads, or the Docker 25+
// layout, which is an OCI image layout with a manifest.json beside it. Deterministic: fixed mtimes and
// owners, so the same images always give the same bytes. Written to a temp file and renamed, so a failed or
// cancelled write leaves no half archive behind.
import { createWriteStream, promises as fs } from 'fs';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as tar from 'tar-stream';
import { BackendError, userMessage, type WorkOptions } from '../backend';
import { chainIds } from '../../core/chain';
import { digestHex } from '../../core/digest';
import { layerMediaType, type Compression } from '../../core/compression';
import { fullRepository, parseReference, shortId, splitRepoTag } from '../../core/reference';
import { tempName } from './atomic';
import { sha256Hex } from './records';

export interface ArchiveLayer {
  /** Digest of the blob as written: the diff ID when uncompressed. */
  digest: string;
  size: number;
  compression: Compression;
  /** Opens the blob's bytes; called once, when the entry is written. */
  open(): Readable;
}

import type { ArchiveFormat } from '../capabilities';
export interface ArchiveImage {
  /** The config bytes; the image ID is their sha256. */
  config: Buffer;
  /** Bottom to top, one per diff ID in the config. */
  layers: ArchiveLayer[];
  /** Familiar `repo:tag` names. */
  tags: string[];
}

export type { ArchiveFormat } from '../capabilities';

/** A tar entry: a file (bytes or a stream of known size), a folder or a link. */
export type TarEntry =
  | { name: string; type?: 'file'; data?: Buffer }
  | { name: string; type: 'stream'; size: number; open(): Readable }
  | { name: string; type: 'directory' }
  | { name: string; type: 'symlink'; linkname: string };

/** Streams entries into a tar file, in order, with the fixed header fields every archive here uses. */
export async function writeTarEntries(file: string, entries: Iterable<TarEntry> | AsyncIterable<TarEntry>, signal?: AbortSignal): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, createWriteStream(file), { signal });
  const work = (async () => {
    for await (const e of entries) {
      if (signal?.aborted) throw new BackendError('cancelled', 'Cancelled.');
      const base = { name: e.name, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
      if (e.type === 'directory') await add(pack, { ...base, type: 'directory', mode: 0o755 });
      else if (e.type === 'symlink') await add(pack, { ...base, type: 'symlink', linkname: e.linkname, mode: 0o777 });
      else if (e.type === 'stream') {
        const sink = pack.entry({ ...base, type: 'file', mode: 0o644, size: e.size });
        await pipeline(e.open(), sink as unknown as NodeJS.WritableStream, { signal });
      } else await add(pack, { ...base, type: 'file', mode: 0o644, size: e.data?.length ?? 0 }, e.data ?? Buffer.alloc(0));
    }
    pack.finalize();
  })();
  try {
    await Promise.all([work, written]);
  } catch (e) {
    pack.destroy();
    throw e;
  }
}

function add(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
}

interface ConfigFacts {
  id: string;
  created: string;
  os: string;
  architecture: string;
  diffIds: string[];
}

/** What the layout needs from a config; lenient, since the config was checked when it entered the store. */
function configFacts(config: Buffer): ConfigFacts {
  const c = JSON.parse(config.toString('utf8')) as { created?: string; os?: string; architecture?: string; rootfs?: { diff_ids?: string[] } };
  return {
    id: 'sha256:' + sha256Hex(config),
    created: c.created ?? '1970-01-01T00:00:00Z',
    os: c.os ?? 'linux',
    architecture: c.architecture ?? 'amd64',
    diffIds: c.rootfs?.diff_ids ?? [],
  };
}

function layerEntry(name: string, layer: ArchiveLayer): TarEntry {
  return { name, type: 'stream', size: layer.size, open: () => layer.open() };
}

/** The legacy layout: <v1 id>/{VERSION,json,layer.tar}, <image id>.json, manifest.json, repositories. */
function* legacyEntries(images: ArchiveImage[], onLayer: (diffId: string) => void): Generator<TarEntry> {
  const written = new Set<string>();
  const diffPaths = new Map<string, string>();
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const facts = configFacts(img.config);
    const chains = chainIds(facts.diffIds, sha256Hex);
    const layers: string[] = [];
    let parent = '';
    for (const [i, chainId] of chains.entries()) {
      const diffId = facts.diffIds[i];
      const top = i === chains.length - 1;
      // A v1 ID per layer, as older engines want: stable for a chain and parent; the top one also names the
      // image. Engines ignore these names on load.
      const v1 = sha256Hex(JSON.stringify({ chainId, parent, image: top ? facts.id : '' }));
      if (!written.has(v1)) {
        written.add(v1);
        const json = { id: v1, ...(parent ? { parent } : {}), created: top ? facts.created : '1970-01-01T00:00:00Z', os: facts.os };
        yield { name: `${v1}/`, type: 'directory' };
        yield { name: `${v1}/VERSION`, data: Buffer.from('1.0') };
        yield { name: `${v1}/json`, data: Buffer.from(JSON.stringify(json)) };
        const known = diffPaths.get(diffId);
        // Like Docker 20.10: a layer is written once and its later copies link to it.
        if (known) yield { name: `${v1}/layer.tar`, type: 'symlink', linkname: `../${known}` };
        else {
          yield layerEntry(`${v1}/layer.tar`, img.layers[i]);
          diffPaths.set(diffId, `${v1}/layer.tar`);
        }
      }
      onLayer(diffId);
      layers.push(`${v1}/layer.tar`);
      parent = v1;
    }
    const configName = `${digestHex(facts.id)}.json`;
    if (!written.has(configName)) {
      written.add(configName);
      yield { name: configName, data: img.config };
    }
    for (const t of img.tags) {
      const { repository, tag } = splitRepoTag(t);
      (repositories[repository] ??= {})[tag] = parent;
    }
    manifest.push({ Config: configName, RepoTags: img.tags.length ? img.tags : null, Layers: layers });
  }
  yield { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) };
  if (Object.keys(repositories).length) yield { name: 'repositories', data: Buffer.from(JSON.stringify(repositories) + '\n') };
}

/** Docker 25+'s layout: blobs/sha256/*, index.json, manifest.json, oci-layout, repositories. */
function* ociEntries(images: ArchiveImage[], onLayer: (diffId: string) => void): Generator<TarEntry> {
  type Blob = { data: Buffer } | { layer: ArchiveLayer; diffId: string };
  const blobs = new Map<string, Blob>();
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const descriptors: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const addData = (data: Buffer): string => {
    const hex = sha256Hex(data);
    blobs.set(hex, { data });
    return hex;
  };
  for (const img of images) {
    const facts = configFacts(img.config);
    const configHex = addData(img.config);
    const layerHexes = img.layers.map((l, i) => {
      const hex = digestHex(l.digest);
      if (!blobs.has(hex)) blobs.set(hex, { layer: l, diffId: facts.diffIds[i] });
      return hex;
    });
    const platform = { architecture: facts.architecture, os: facts.os };
    const m = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}`, size: img.config.length },
      layers: img.layers.map((l) => ({
        mediaType: layerMediaType(l.compression, 'oci'),
        digest: l.digest,
        size: l.size,
      })),
    };
    const mBytes = Buffer.from(JSON.stringify(m));
    const mHex = addData(mBytes);
    const base = { mediaType: m.mediaType, digest: `sha256:${mHex}`, size: mBytes.length, platform };
    for (const t of img.tags) {
      const { repository, tag } = splitRepoTag(t);
      (repositories[repository] ??= {})[tag] = layerHexes[layerHexes.length - 1];
      const ref = parseReference(t);
      const full = ref ? `${fullRepository(ref)}:${tag}` : t;
      descriptors.push({ ...base, annotations: { 'io.containerd.image.name': full, 'org.opencontainers.image.ref.name': tag } });
    }
    if (!img.tags.length) descriptors.push(base);
    manifest.push({ Config: `blobs/sha256/${configHex}`, RepoTags: img.tags.length ? img.tags : null, Layers: layerHexes.map((h) => `blobs/sha256/${h}`) });
  }
  yield { name: 'blobs/', type: 'directory' };
  yield { name: 'blobs/sha256/', type: 'directory' };
  for (const hex of [...blobs.keys()].sort()) {
    const blob = blobs.get(hex) as Blob;
    if ('data' in blob) yield { name: `blobs/sha256/${hex}`, data: blob.data };
    else {
      yield layerEntry(`blobs/sha256/${hex}`, blob.layer);
      onLayer(blob.diffId);
    }
  }
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors };
  yield { name: 'index.json', data: Buffer.from(JSON.stringify(index)) };
  yield { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest) + '\n') };
  yield { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion": "1.0.0"}') };
  if (Object.keys(repositories).length) yield { name: 'repositories', data: Buffer.from(JSON.stringify(repositories) + '\n') };
}

/** Writes images to an archive at `target`, atomically. */
export async function writeImageArchive(
  target: string,
  images: ArchiveImage[],
  options: WorkOptions & { format?: ArchiveFormat } = {},
): Promise<void> {
  const { signal, onProgress } = options;
  const total = images.reduce((n, i) => n + i.layers.length, 0);
  let done = 0;
  const onLayer = (diffId: string) => onProgress?.({ message: `Saving layer ${shortId(diffId)}`, fraction: ++done / Math.max(1, total) });
  const entries = options.format === 'oci' ? ociEntries(images, onLayer) : legacyEntries(images, onLayer);
  const temp = tempName(target);
  try {
    await writeTarEntries(temp, entries, signal);
    await fs.rename(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true });
    if (signal?.aborted) throw new BackendError('cancelled', 'The save was cancelled.');
    if (BackendError.is(e)) throw e;
    throw new BackendError('failed', `Could not write ${target}: ${userMessage(e)}`);
  }
}
