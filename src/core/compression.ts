// What a layer blob's compression is, told by its first bytes as containerd's archive/compression does (the
// media type a stranger wrote is a claim; the bytes are the fact), and the media types each kind goes by.

export type Compression = 'gzip' | 'zstd' | 'none';

/** Bytes enough to tell every kind apart. */
export const MAGIC_BYTES = 4;

/** gzip starts 1f 8b, a zstd frame 28 b5 2f fd; anything else is taken as a plain tar. */
export function compressionOf(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export const LAYER_MEDIA = {
  docker: {
    gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    // Not in Docker's schema 2; containerd's name for it. The store writes OCI manifests for zstd instead.
    zstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
    none: 'application/vnd.docker.image.rootfs.diff.tar',
  },
  oci: {
    gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
    zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    none: 'application/vnd.oci.image.layer.v1.tar',
  },
} as const;

/** The media type of a layer of this kind, in a Docker schema 2 or an OCI manifest. */
export function layerMediaType(kind: Compression, flavour: 'docker' | 'oci'): string {
  return LAYER_MEDIA[flavour][kind];
}

/** The kind a layer media type claims, or undefined for a type that is no layer this store knows. */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  for (const flavour of Object.values(LAYER_MEDIA)) {
    for (const [kind, type] of Object.entries(flavour)) if (type === mediaType) return kind as Compression;
  }
  return undefined;
}

/** A kind as written in the store's records: older records (and unknown words) were gzip, the only kind then. */
export function parseCompression(text: unknown): Exclude<Compression, 'none'> {
  return text === 'zstd' ? 'zstd' : 'gzip';
}
