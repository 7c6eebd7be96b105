// Sample images built by code: a base of three layers and an app that shares them and adds a fourth, so an
// empty store can show layer sharing at once ("Load Sample Images"), and tests get archives that load with
// the same image IDs into dockerd, podman and the store. Every byte depends only on the definitions: fixed
// mtimes, uid/gid 0, JSON with a fixed key order, gzip without a timestamp.
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { gzipSync } from 'zlib';
import * as tar from 'tar-stream';
import type { LoadResult, WorkOptions } from '../backend';
import type { ContainerConfig } from '../../core/model';
import { familiarString, parseReference } from '../../core/reference';
import { compressionOf } from '../../core/compression';
import { writeImageArchive, type ArchiveFormat, type ArchiveImage } from './archive-writer';
import type { BuiltinStore } from './builtin-store';
import { sha256Hex } from './records';

export interface SampleFile {
  path: string;
  content?: string | Buffer;
  type?: 'file' | 'dir' | 'symlink';
  linkname?: string;
  mode?: number;
}
export interface SampleLayer {
  files: SampleFile[];
}
export interface SampleImage {
  tags: string[];
  layers: SampleLayer[];
  created?: string;
  config?: Partial<ContainerConfig>;
  /** History rows in build order; empty_layer rows allowed. Default: one "COPY ..." row per layer. */
  history?: { created_by: string; empty_layer?: boolean; comment?: string; created?: string }[];
  architecture?: string;
  os?: string;
}

export const SAMPLE_CREATED = '2024-01-02T03:04:05Z';
const FIXED_MTIME = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

/** The uncompressed tar of one layer; the same files always give the same bytes. */
export async function sampleLayerTar(layer: SampleLayer): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const f of layer.files) {
    const type = f.type ?? 'file';
    const base = { name: f.path, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
    if (type === 'dir') {
      pack.entry({ ...base, name: f.path.endsWith('/') ? f.path : f.path + '/', type: 'directory', mode: f.mode ?? 0o755 });
    } else if (type === 'symlink') {
      pack.entry({ ...base, type: 'symlink', linkname: f.linkname ?? '', mode: f.mode ?? 0o777 });
    } else {
      const body = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content ?? '', 'utf8');
      pack.entry({ ...base, type: 'file', mode: f.mode ?? 0o644, size: body.length }, body);
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The bytes of the image config JSON, with the key order Docker's own marshalling uses for these fields. */
export function sampleConfigBytes(image: SampleImage, diffIds: string[]): Buffer {
  const created = image.created ?? SAMPLE_CREATED;
  const history: NonNullable<SampleImage['history']> =
    image.history ?? image.layers.map((_, i) => ({ created_by: `COPY layer${i + 1} / # buildkit`, comment: 'buildkit.dockerfile.v0' }));
  const config = {
    architecture: image.architecture ?? 'amd64',
    config: { ...(image.config ?? {}) },
    created,
    history: history.map((h) => ({
      created: h.created ?? created,
      created_by: h.created_by,
      ...(h.comment ? { comment: h.comment } : {}),
      ...(h.empty_layer ? { empty_layer: true } : {}),
    })),
    os: image.os ?? 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  return Buffer.from(JSON.stringify(config), 'utf8');
}

/** Diff IDs (`sha256:…`) of an image's layers, computed from the definition alone. */
export async function sampleDiffIds(image: SampleImage): Promise<string[]> {
  const tars = await Promise.all(image.layers.map(sampleLayerTar));
  return tars.map((t) => 'sha256:' + sha256Hex(t));
}

/** A tag as `docker save` writes it: familiar, with `:latest` when none is given. */
function familiarTag(tag: string): string {
  const ref = parseReference(tag);
  return ref && !ref.digest ? familiarString(ref, true) : tag;
}

/** Makes the blob of a layer from its tar (the layer's index in its image given); its kind is read from its bytes. */
export type LayerBlobMaker = (tar: Buffer, index: number) => Buffer;

/** The images as the archive writer takes them, with their IDs (`sha256:…`); layers plain unless `blobOf` compresses them. */
export async function sampleArchiveImages(images: SampleImage[], blobOf?: LayerBlobMaker): Promise<{ images: ArchiveImage[]; ids: string[] }> {
  const out: ArchiveImage[] = [];
  const ids: string[] = [];
  for (const image of images) {
    const tars = await Promise.all(image.layers.map(sampleLayerTar));
    const config = sampleConfigBytes(image, tars.map((t) => 'sha256:' + sha256Hex(t)));
    const blobs = blobOf ? tars.map(blobOf) : tars;
    out.push({
      config,
      tags: image.tags.map(familiarTag),
      layers: blobs.map((b) => ({ digest: 'sha256:' + sha256Hex(b), size: b.length, compression: compressionOf(b), open: () => Readable.from([b]) })),
    });
    ids.push('sha256:' + sha256Hex(config));
  }
  return { images: out, ids };
}

/** Writes the images (the samples by default) as an archive; returns the image IDs in the order given. */
export async function writeSampleArchive(
  file: string,
  images: SampleImage[] = sampleImages(),
  options: { format?: ArchiveFormat; gzipLayers?: boolean; blobOf?: LayerBlobMaker } = {},
): Promise<{ ids: string[] }> {
  const built = await sampleArchiveImages(images, options.blobOf ?? (options.gzipLayers ? (t) => gzipSync(t, { level: 6 }) : undefined));
  await writeImageArchive(file, built.images, { format: options.format });
  return { ids: built.ids };
}

/** Loads the sample images into a store, as `docker load` of their archive would. */
export async function loadSamples(store: BuiltinStore, options: WorkOptions = {}): Promise<LoadResult> {
  await fs.mkdir(store.layout.tmp, { recursive: true });
  // Named like a load's staging, so a crash leaves nothing the next writer does not sweep.
  const file = path.join(store.layout.tmp, `load-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await writeSampleArchive(file);
    return await store.loadArchive(file, options);
  } finally {
    await fs.rm(file, { force: true });
  }
}

export const SAMPLE_LAYERS: Record<'L1' | 'L2' | 'L3' | 'L4', SampleLayer> = {
  L1: {
    files: [
      { path: 'etc', type: 'dir' },
      { path: 'etc/os-release', content: 'NAME="Sample OS"\nID=sample\nVERSION_ID=1.0\n' },
      { path: 'bin', type: 'dir' },
      { path: 'bin/sh', content: '#!sample-shell\n'.repeat(64), mode: 0o755 },
    ],
  },
  L2: {
    files: [
      { path: 'usr', type: 'dir' },
      { path: 'usr/lib', type: 'dir' },
      { path: 'usr/lib/libsample.so.1', content: Buffer.alloc(4096, 0x5a) },
      { path: 'usr/lib/libsample.so', type: 'symlink', linkname: 'libsample.so.1' },
    ],
  },
  L3: {
    files: [
      { path: 'etc', type: 'dir' },
      { path: 'etc/sample.conf', content: 'greeting = hello\n' },
    ],
  },
  L4: {
    files: [
      { path: 'app', type: 'dir' },
      { path: 'app/server.js', content: 'console.log("sample app");\n'.repeat(100) },
      { path: 'app/data.bin', content: Buffer.alloc(10000, 0x01) },
      { path: 'etc', type: 'dir' },
      { path: 'etc/.wh.sample.conf', content: '' },
    ],
  },
};

/**
 * sample/base:1.0 (L1 L2 L3) and sample/app:1.0 + :latest (L1 L2 L3 L4). The app's description label holds
 * markup on purpose: views must show it as text.
 */
export function sampleImages(): SampleImage[] {
  const { L1, L2, L3, L4 } = SAMPLE_LAYERS;
  const baseHistory = [
    { created_by: 'ADD rootfs.tar / # buildkit', comment: 'buildkit.dockerfile.v0', created: '2024-01-01T10:00:00Z' },
    { created_by: 'COPY libsample /usr/lib/ # buildkit', comment: 'buildkit.dockerfile.v0', created: '2024-01-01T10:01:00Z' },
    { created_by: 'ENV LANG=C.UTF-8', empty_layer: true, comment: 'buildkit.dockerfile.v0', created: '2024-01-01T10:02:00Z' },
    { created_by: 'COPY sample.conf /etc/ # buildkit', comment: 'buildkit.dockerfile.v0', created: '2024-01-01T10:03:00Z' },
    { created_by: 'CMD ["/bin/sh"]', empty_layer: true, comment: 'buildkit.dockerfile.v0', created: '2024-01-01T10:04:00Z' },
  ];
  const baseConfig: Partial<ContainerConfig> = {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
    Cmd: ['/bin/sh'],
    Labels: { 'org.opencontainers.image.title': 'sample base' },
  };
  return [
    {
      tags: ['sample/base:1.0'],
      layers: [L1, L2, L3],
      created: '2024-01-01T10:04:00Z',
      config: baseConfig,
      history: baseHistory,
    },
    {
      tags: ['sample/app:1.0', 'sample/app:latest'],
      layers: [L1, L2, L3, L4],
      created: '2024-02-01T12:00:00Z',
      config: {
        ...baseConfig,
        Cmd: ['node', '/app/server.js'],
        Entrypoint: ['/bin/sh', '-c'],
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {} },
        Labels: {
          'org.opencontainers.image.title': 'sample app',
          'org.opencontainers.image.description': '<b>bold</b> [x](https://example.com) <script>alert(1)</script>',
        },
      },
      history: [
        ...baseHistory,
        { created_by: 'WORKDIR /app', empty_layer: true, comment: 'buildkit.dockerfile.v0', created: '2024-02-01T11:58:00Z' },
        { created_by: 'COPY app /app # buildkit', comment: 'buildkit.dockerfile.v0', created: '2024-02-01T11:59:00Z' },
        { created_by: 'EXPOSE map[8080/tcp:{}]', empty_layer: true, comment: 'buildkit.dockerfile.v0', created: '2024-02-01T12:00:00Z' },
        { created_by: 'LABEL org.opencontainers.image.description=<b>bold</b>', empty_layer: true, created: '2024-02-01T12:00:00Z' },
        { created_by: 'CMD ["node" "/app/server.js"]', empty_layer: true, comment: 'buildkit.dockerfile.v0', created: '2024-02-01T12:00:00Z' },
      ],
    },
  ];
}
