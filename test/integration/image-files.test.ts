// An image's files as of each layer, on images a real dockerd and a real podman built (COPY, RUN with busybox:
// symlinks, a symlink loop, a hard link, a file removed, a folder removed and made again), read through the
// engine's own `docker save`: the contents at each layer, links resolved inside the image, whiteouts hiding, and
// no second `docker save` for files of layers already read.
import * as assert from 'assert';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as tar from 'tar-stream';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { ImageFiles } from '../../src/backend/image-files';
import { imageEfficiency, LayerContentsCache, readImageLayers } from '../../src/backend/layer-contents';
import { build } from './builds';
import { ENGINES, socketOf } from './env';

const DOCKERFILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  'COPY app-v3.conf /etc/app.conf',
  'RUN mkdir -p /usr/lib /cache && echo lib > /usr/lib/libx.so && ln -s usr/lib /lib && ln -s ../../../../../etc/app.conf /etc/escape' +
    ' && ln -s loop2 /etc/loop1 && ln -s /etc/loop1 /etc/loop2 && echo shared > /etc/one && ln /etc/one /etc/two && echo a > /cache/a',
  'RUN echo five > /etc/app.conf && rm /etc/one && rm -rf /cache && mkdir /cache && echo b > /cache/b',
  '',
].join('\n');

async function context(): Promise<Buffer> {
  const pack = tar.pack();
  const mtime = new Date(Date.UTC(2024, 0, 1));
  pack.entry({ name: 'Dockerfile', mtime }, DOCKERFILE);
  pack.entry({ name: 'busybox', mode: 0o755, mtime }, await fs.readFile('/bin/busybox'));
  pack.entry({ name: 'app-v3.conf', mtime }, 'worker_processes 3;\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('image files on images built by a real engine', function () {
  this.timeout(180_000);
  for (const engine of ENGINES) {
    describe(engine, () => {
      let backend: DockerBackend;
      let files: ImageFiles;
      let id: string;
      let saves = 0;
      before(async () => {
        const socket = await socketOf(engine);
        await build(socket, await context(), { tag: `files/${engine}:built`, dockerfile: 'Dockerfile' });
        backend = new DockerBackend({ host: socket });
        id = (await backend.inspectImage(`files/${engine}:built`)).Id;
        // Every layer read is one `docker save` of the image: counted here.
        const { layerTar, readLayers } = backend;
        backend.layerTar = (...a) => (saves++, layerTar.apply(backend, a));
        backend.readLayers = (...a) => (saves++, readLayers.apply(backend, a) as never);
        files = new ImageFiles(backend, new LayerContentsCache());
      });
      after(() => backend?.dispose());

      const read = async (layer: number, p: string) => (await files.readFile(await files.view({ imageId: id, layer: layer - 1, mode: 'merged' }), p)).toString();
      const fails = (layer: number, p: string, pattern: RegExp) =>
        assert.rejects(read(layer, p), (e: unknown) => BackendError.is(e) && pattern.test(e.message));

      it('a file as of layer 3 and as of layer 5: what COPY and RUN wrote', async () => {
        assert.strictEqual((await backend.inspectImage(id)).RootFS.Layers.length, 5);
        assert.strictEqual(await read(3, 'etc/app.conf'), 'worker_processes 3;\n');
        assert.strictEqual(await read(5, 'etc/app.conf'), 'five\n');
        await fails(2, 'etc/app.conf', /not in the image at this layer/);
      });

      it('files of layers already read come from their offsets: no second save of the image', async () => {
        await read(5, 'etc/app.conf');
        const before = saves;
        assert.strictEqual(await read(5, 'usr/lib/libx.so'), 'lib\n');
        assert.strictEqual(await read(4, 'cache/a'), 'a\n');
        assert.strictEqual(await read(3, 'etc/app.conf'), 'worker_processes 3;\n');
        const busybox = await files.readFile(await files.view({ imageId: id, layer: 4, mode: 'merged' }), 'bin/sh');
        assert.deepStrictEqual(busybox, await fs.readFile('/bin/busybox'), 'the binary behind /bin/sh -> /bin/busybox, byte for byte');
        assert.strictEqual(saves, before);
      });

      it('Wasted Space keeps no copy; the first file opened after it reads the layers once, kept; the rest and the hashes come from that copy', async () => {
        const cache = new LayerContentsCache();
        const own = new ImageFiles(backend, cache);
        const before = saves;
        await imageEfficiency(backend, id, { cache });
        assert.strictEqual(saves, before + 1, 'one save for the report');
        assert.strictEqual(cache.spool.bytes, 0, 'the report wrote nothing to disk');
        const top = await own.view({ imageId: id, layer: 4, mode: 'merged' });
        assert.strictEqual((await own.readFile(top, 'etc/app.conf')).toString(), 'five\n');
        assert.strictEqual(saves, before + 2, 'one more save for the first file, all layers in it');
        assert.ok(cache.spool.bytes > 0, 'the layers are kept on disk now');
        assert.strictEqual((await own.readFile(await own.view({ imageId: id, layer: 3, mode: 'merged' }), 'cache/a')).toString(), 'a\n');
        const diffIds = (await backend.inspectImage(id)).RootFS.Layers;
        const hashed = await readImageLayers(backend, id, diffIds, cache, { hashContents: true });
        assert.strictEqual(saves, before + 2, "Compare's hashes are taken from the copy on disk");
        const conf = hashed[4].entries.find((e) => e.path === 'etc/app.conf');
        assert.strictEqual(conf?.contentHash, createHash('sha256').update('five\n').digest('base64').slice(0, 22));
        assert.ok(hashed.every((l) => l.entries.every((e) => e.type !== 'file' || e.size === 0 || e.contentHash)), 'every file hashed');
        cache.clear();
      });

      it('links resolve inside the image: a folder link, a climbing link, a loop; a hard link reads its data', async () => {
        assert.strictEqual(await read(5, 'lib/libx.so'), 'lib\n');
        assert.strictEqual(await read(5, 'etc/escape'), 'five\n', "the image's /etc/app.conf, never this machine's /etc");
        await fails(5, 'etc/loop1', /too many levels of symbolic links/);
        const layer4 = await files.view({ imageId: id, layer: 3, mode: 'changes' });
        assert.strictEqual(files.resolve(layer4, 'etc/two').node.type, 'hardlink', 'the engine wrote /etc/two as a hard link to /etc/one');
        assert.strictEqual(await read(4, 'etc/two'), 'shared\n');
        assert.strictEqual(await read(5, 'etc/two'), 'shared\n', 'still there after the other name was removed');
      });

      it('a removed file and a folder removed and made again hide what they hid', async () => {
        assert.strictEqual(await read(4, 'etc/one'), 'shared\n');
        await fails(5, 'etc/one', /not in the image at this layer/);
        await fails(5, 'cache/a', /not in the image at this layer/);
        assert.strictEqual(await read(5, 'cache/b'), 'b\n');
        const changes = await files.view({ imageId: id, layer: 4, mode: 'changes' });
        assert.strictEqual((await files.readFile(changes, 'cache/b')).toString(), 'b\n');
        await assert.rejects(files.readFile(changes, 'usr/lib/libx.so'), /not in the image at this layer/);
      });
    });
  }
});
