// Images built offline on a real engine for the layer-pairing test: a build context written by code (a static
// busybox, a file to delete, an empty folder), `POST /build` with either builder, `POST /images/create?fromSrc`
// (docker import), and what the engine's own `docker save` stream says of an image (config, layers).
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as tar from 'tar-stream';

/** The base image's steps: each case of a step that makes a zero-size layer, or none, in one build. */
export function baseDockerfile(options: { mount: boolean }): string {
  return [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'COPY cache.tar /tmp/build-cache.tar',
    'ENV A=1',
    'RUN rm /tmp/build-cache.tar',
    'RUN true',
    'COPY empty/ /empty/',
    'COPY empty/ /',
    'WORKDIR /work',
    'WORKDIR /work',
    // The classic builder has no RUN --mount.
    ...(options.mount ? ['RUN --mount=type=bind,source=data,target=/mnt cat /mnt/x > /dev/null'] : []),
    'LABEL x=y',
    'ONBUILD RUN echo onbuild > /onbuild.txt',
    'ONBUILD RUN true',
    'CMD ["sh"]',
    '',
  ].join('\n');
}

/** A child of the base: its ONBUILD triggers run first; it ends as the image does, `RUN rm` then `CMD`. */
export const CHILD_DOCKERFILE = ['ARG BASE', 'FROM ${BASE}', 'COPY hello.txt /tmp/hello.txt', 'RUN rm /tmp/hello.txt', 'CMD ["sh", "-c", "ls /"]', ''].join('\n');

/** The build context as a tar: every Dockerfile above and the files they copy. */
export async function buildContext(): Promise<Buffer> {
  const pack = tar.pack();
  const mtime = new Date(Date.UTC(2024, 0, 1));
  pack.entry({ name: 'Dockerfile.classic', mtime }, baseDockerfile({ mount: false }));
  pack.entry({ name: 'Dockerfile.mount', mtime }, baseDockerfile({ mount: true }));
  pack.entry({ name: 'Dockerfile.child', mtime }, CHILD_DOCKERFILE);
  pack.entry({ name: 'busybox', mode: 0o755, mtime }, await fs.promises.readFile('/bin/busybox'));
  pack.entry({ name: 'cache.tar', mtime }, Buffer.alloc(200_000, 7));
  pack.entry({ name: 'hello.txt', mtime }, 'hello\n');
  pack.entry({ name: 'data/x', mtime }, 'x\n');
  pack.entry({ name: 'empty/', type: 'directory', mode: 0o755, mtime });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** One POST with a tar body to an engine's socket; the JSON lines it streams back, failing on an error line. */
async function post(socketPath: string, path: string, body: Buffer): Promise<Record<string, unknown>[]> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = http.request({ socketPath, path, method: 'POST', headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${path}: HTTP ${res.statusCode}: ${out}`));
        else resolve(out);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const failed = lines.find((l) => l.error || l.errorDetail);
  if (failed) throw new Error(`${path}: ${JSON.stringify(failed)}`);
  return lines;
}

/** `docker build --network=none`; BuildKit is the Engine API's `version=2` (dockerd 20.10 has it built in). */
export async function build(
  socketPath: string,
  context: Buffer,
  options: { tag: string; dockerfile: string; buildkit?: boolean; squash?: boolean; buildArgs?: Record<string, string> },
): Promise<void> {
  const q = new URLSearchParams({ t: options.tag, dockerfile: options.dockerfile, networkmode: 'none', rm: '1', forcerm: '1' });
  if (options.buildkit) q.set('version', '2');
  if (options.squash) q.set('squash', '1');
  if (options.buildArgs) q.set('buildargs', JSON.stringify(options.buildArgs));
  await post(socketPath, `/v1.41/build?${q}`, context);
}

/** `docker import`: one layer from a tar, a history of one row. */
export async function importTar(socketPath: string, layer: Buffer, repo: string, tag: string): Promise<void> {
  await post(socketPath, `/v1.41/images/create?${new URLSearchParams({ fromSrc: '-', repo, tag })}`, layer);
}

export interface SavedImage {
  /** The image config JSON, as the engine saved it. */
  config: { history?: { created_by?: string; empty_layer?: boolean }[]; rootfs: { diff_ids: string[] } };
  /** Per diff ID: the bytes of its files as the tar headers give them, and the tar's own length. */
  layers: Map<string, { fileBytes: number; tarBytes: number }>;
}

/** `docker save` of one image into `file`, and what it holds. */
export async function saveImage(socketPath: string, ref: string, file: string): Promise<SavedImage> {
  await new Promise<void>((resolve, reject) => {
    http
      .get({ socketPath, path: `/v1.41/images/${encodeURIComponent(ref)}/get` }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`save ${ref}: HTTP ${res.statusCode}`));
        const out = fs.createWriteStream(file);
        res.pipe(out);
        out.on('finish', resolve);
        out.on('error', reject);
      })
      .on('error', reject);
  });
  const entries = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') entries.set(header.name, Buffer.concat(chunks));
      // Docker's save writes a layer that repeats (the empty tar of `RUN true`) once and links to it after.
      if (header.type === 'symlink' && header.linkname) links.set(header.name, path.posix.join(path.posix.dirname(header.name), header.linkname));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    fs.createReadStream(file).pipe(extract);
  });
  const manifest = JSON.parse(String(entries.get('manifest.json'))) as { Config: string; Layers: string[] }[];
  const config = JSON.parse(String(entries.get(manifest[0].Config))) as SavedImage['config'];
  const layers = new Map<string, { fileBytes: number; tarBytes: number }>();
  for (const name of manifest[0].Layers) {
    const bytes = entries.get(links.get(name) ?? name) as Buffer;
    const diffId = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    layers.set(diffId, { fileBytes: await headerSizes(bytes), tarBytes: bytes.length });
  }
  return { config, layers };
}

/** The sum of the entries' sizes in a layer tar: what Docker (and the store) count as a layer's size. */
async function headerSizes(layer: Buffer): Promise<number> {
  let total = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    total += header.size ?? 0;
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(layer);
  });
  return total;
}
