// The shapes a registry serves (image indexes, image manifests) read defensively, since they come from
// strangers, and the manifest the store pushes: Docker v2 schema 2 byte for byte as the engine writes it, or OCI
// when a layer is zstd (which schema 2 has no media type for).
import { BackendError } from '../backend';
import { parseDigest } from '../../core/digest';
import { layerMediaType, type Compression } from '../../core/compression';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  urls?: string[];
}

export interface ImageManifest {
  config: Descriptor;
  layers: Descriptor[];
}

function descriptor(raw: unknown, what: string): Descriptor {
  const d = raw as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object' || !parseDigest(d.digest) || typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new BackendError('corrupt', `${what} is not a valid descriptor (it needs a sha256 digest and a size).`);
  }
  return { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest as string, size: d.size, platform: d.platform, urls: d.urls };
}

/** The platform the engine would pick here: linux and the host's architecture (amd64 elsewhere). */
export function hostPlatform(): { os: string; architecture: string } {
  const arch = process.arch === 'arm64' ? 'arm64' : process.arch === 'arm' ? 'arm' : 'amd64';
  return { os: 'linux', architecture: arch };
}

/** An index's entries, or undefined when the body is an image manifest instead. */
export function indexEntries(body: unknown, mediaType: string, what: string): Descriptor[] | undefined {
  const b = body as { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown } | null;
  if (!b || typeof b !== 'object') throw new BackendError('corrupt', `${what} is not a JSON object.`);
  const type = typeof b.mediaType === 'string' ? b.mediaType : mediaType.split(';')[0].trim();
  if (type === MEDIA.schema1 || type === MEDIA.schema1Signed || b.schemaVersion === 1) {
    throw new BackendError('unsupported', `${what} is in the old schema 1 format, which the built-in store does not pull.`);
  }
  if (!Array.isArray(b.manifests)) return undefined;
  return b.manifests.map((m, i) => descriptor(m, `Entry ${i + 1} of ${what}`));
}

/** The entry for the host's platform, as `docker pull` picks one. */
export function pickPlatform(entries: Descriptor[], what: string): Descriptor {
  const want = hostPlatform();
  const pick =
    entries.find((e) => e.platform?.os === want.os && e.platform.architecture === want.architecture) ??
    entries.find((e) => !e.platform);
  if (!pick) {
    const have = entries.map((e) => `${e.platform?.os ?? '?'}/${e.platform?.architecture ?? '?'}`).join(', ');
    throw new BackendError('not-found', `${what} has no image for ${want.os}/${want.architecture} (it has ${have || 'none'}).`);
  }
  return pick;
}

export function imageManifest(body: unknown, what: string): ImageManifest {
  const b = body as { config?: unknown; layers?: unknown } | null;
  if (!b || typeof b !== 'object' || !Array.isArray(b.layers)) throw new BackendError('corrupt', `${what} has no layers list.`);
  const config = descriptor(b.config, `The config descriptor of ${what}`);
  const layers = b.layers.map((l, i) => descriptor(l, `Layer ${i + 1} of ${what}`));
  for (const [i, l] of layers.entries()) {
    if (l.urls?.length || l.mediaType === MEDIA.dockerForeignLayer || /nondistributable/.test(l.mediaType)) {
      throw new BackendError('unsupported', `Layer ${i + 1} of ${what} is a foreign layer (fetched from elsewhere), which the built-in store does not pull.`);
    }
  }
  return { config, layers };
}

export interface PushedLayer {
  digest: string;
  size: number;
  compression: Exclude<Compression, 'none'>;
}

/**
 * The manifest a push writes, with its media type. A Docker v2 schema 2 manifest as the engine marshals it (Go's
 * MarshalIndent with three spaces, keys in struct order; digests still differ from dockerd's push, because Go's
 * gzip and zlib compress differently), or, when a layer is zstd, an OCI manifest as Docker 23+ writes one.
 */
export function pushManifest(config: { digest: string; size: number }, layers: PushedLayer[]): { mediaType: string; bytes: Buffer } {
  const flavour = layers.some((l) => l.compression === 'zstd') ? 'oci' : 'docker';
  const mediaType = flavour === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: flavour === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: layerMediaType(l.compression, flavour), size: l.size, digest: l.digest })),
  };
  return { mediaType, bytes: Buffer.from(JSON.stringify(manifest, null, 3)) };
}
