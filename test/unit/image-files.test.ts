import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BackendError, type ImageBackend } from '../../src/backend/backend';
import { ImageFiles, type ViewMode } from '../../src/backend/image-files';
import { LayerContentsCache } from '../../src/backend/layer-contents';
import { LayerSpool } from '../../src/backend/layer-spool';
import { overrideLimits } from '../../src/backend/limits';
import { BuiltinStore } from '../../src/backend/store/builtin-store';
import { writeDockerSaveArchive, type FixtureImage } from '../fixtures/archives';
import { tempDir } from './store/helpers';

const BIG = randomBytes(300_000);
const BINARY = Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0x7f]);

/** Five layers: a file changed at 2 and 5, a whiteout and an opaque folder at 3, links, hostile names, a big file. */
const IMAGE: FixtureImage = {
  tags: ['files:test'],
  layers: [
    {
      files: [
        { path: 'etc/app.conf', content: 'one\n' },
        { path: 'etc/hosts', content: '10.0.0.1 image-only\n' },
        { path: 'usr/lib/libx.so', content: 'lib' },
        { path: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { path: 'var/cache/a', content: 'a' },
      ],
    },
    {
      files: [
        { path: 'etc/app.conf', content: 'two\n' },
        { path: 'etc/loop1', type: 'symlink', linkname: 'loop2' },
        { path: 'etc/loop2', type: 'symlink', linkname: '/etc/loop1' },
        { path: 'etc/escape', type: 'symlink', linkname: '../../../../../../etc/hosts' },
        { path: 'etc/abs', type: 'symlink', linkname: '/etc/app.conf' },
        { path: 'hostile/<b>x</b> & "q".conf', content: 'hostile name' },
        { path: 'hostile/line\nbreak', content: 'newline in name' },
      ],
    },
    {
      files: [
        { path: 'etc/.wh.hosts', content: '' },
        { path: 'var/cache/.wh..wh..opq', content: '' },
        { path: 'var/cache/b', content: 'b' },
      ],
    },
    { files: [{ path: 'data/big.bin', content: BIG }, { path: 'data/blob.bin', content: BINARY }] },
    { files: [{ path: 'etc/app.conf', content: 'five\n' }] },
  ],
};

/** A backend that counts the layer reads it serves; `stream` hides the store's files, as an engine has none. */
function counting(store: BuiltinStore, stream: boolean): ImageBackend & { reads: number } {
  const wrapped = Object.create(store) as ImageBackend & { reads: number };
  wrapped.reads = 0;
  wrapped.layerTar = (ref, diffId, signal) => {
    wrapped.reads++;
    return store.layerTar(ref, diffId, signal);
  };
  if (stream) (wrapped as { layerTarFile?: unknown }).layerTarFile = undefined;
  return wrapped;
}

describe('image files: an image as a filesystem, as of any layer', () => {
  let t: ReturnType<typeof tempDir>;
  let store: BuiltinStore;
  let id: string;
  before(async () => {
    t = tempDir();
    const archive = path.join(t.dir, 'a.tar');
    ({ ids: [id] } = await writeDockerSaveArchive(archive, [IMAGE]));
    store = new BuiltinStore(path.join(t.dir, 'store'));
    await store.loadArchive(archive);
  });
  after(() => t.cleanup());

  for (const stream of [false, true]) {
    describe(stream ? 'layers that come as streams (an engine): spooled once' : "the store's own layer files", () => {
      let backend: ReturnType<typeof counting>;
      let files: ImageFiles;
      let spool: LayerSpool;
      beforeEach(() => {
        backend = counting(store, stream);
        spool = new LayerSpool(t.dir);
        files = new ImageFiles(backend, new LayerContentsCache(2_000_000, spool));
      });
      const read = async (layer: number, p: string, mode: ViewMode = 'merged') => (await files.readFile(await files.view({ imageId: id, layer, mode }), p)).toString();
      const fails = async (layer: number, p: string, pattern: RegExp, mode: ViewMode = 'merged') =>
        assert.rejects(read(layer, p, mode), (e: unknown) => BackendError.is(e) && pattern.test(e.message));

      it('a file reads as of each layer: the version of the layer that last wrote it', async () => {
        assert.strictEqual(await read(0, 'etc/app.conf'), 'one\n');
        assert.strictEqual(await read(1, 'etc/app.conf'), 'two\n');
        assert.strictEqual(await read(3, 'etc/app.conf'), 'two\n');
        assert.strictEqual(await read(4, 'etc/app.conf'), 'five\n');
        assert.deepStrictEqual(await files.readFile(await files.view({ imageId: id, layer: 4, mode: 'merged' }), 'data/blob.bin'), BINARY, 'binary bytes as they are');
      });

      it('reading files of a layer already read does not read the layer again', async () => {
        await read(4, 'etc/app.conf');
        const after = backend.reads;
        for (const p of ['etc/app.conf', 'usr/lib/libx.so', 'var/cache/b', 'data/big.bin']) await read(4, p);
        await read(1, 'etc/app.conf');
        assert.strictEqual(backend.reads, after, 'no layer was streamed again');
        if (stream) assert.ok(spool.bytes > BIG.length, 'the layers are on disk, uncompressed');
      });

      it('a layer whose copy is not kept (over the budget) is streamed again to the entry, and reads the same', async () => {
        const restore = overrideLimits({ layerSpoolBytes: 0 });
        try {
          const before = backend.reads;
          assert.strictEqual(await read(4, 'etc/app.conf'), 'five\n');
          assert.strictEqual(await read(4, 'usr/lib/libx.so'), 'lib');
          if (stream) assert.ok(backend.reads > before + 1, 'read again from the backend');
        } finally {
          restore();
        }
      });

      it("a layer's own changes: its entries only; whiteouts and opaque folders hide what they hide", async () => {
        const changes = await files.view({ imageId: id, layer: 2, mode: 'changes' });
        assert.deepStrictEqual([...(changes.tree.root.children?.get('var')?.children?.get('cache')?.children?.keys() ?? [])], ['b']);
        assert.strictEqual(await read(2, 'var/cache/b', 'changes'), 'b');
        await fails(2, 'etc/app.conf', /not in the image at this layer/, 'changes');
        assert.strictEqual(await read(1, 'etc/hosts'), '10.0.0.1 image-only\n');
        await fails(2, 'etc/hosts', /not in the image at this layer/);
        assert.strictEqual(await read(1, 'var/cache/a'), 'a');
        await fails(2, 'var/cache/a', /not in the image/);
      });

      it('symlinks resolve inside the image, never outside it; a loop and a climb say so', async () => {
        assert.strictEqual(await read(4, 'lib/libx.so'), 'lib', 'through a folder link');
        assert.strictEqual(await read(4, 'etc/abs'), 'five\n', 'an absolute target is from the image root');
        assert.strictEqual(await read(1, 'etc/escape'), '10.0.0.1 image-only\n', "the image's /etc/hosts, not this machine's");
        await fails(4, 'etc/escape', /not in the image/, 'merged');
        await fails(4, 'etc/loop1', /too many levels of symbolic links/);
        await fails(4, '../../etc/passwd', /climbs above the image's root/);
        await fails(4, 'etc', /is a directory/);
      });

      it('hostile names are names, read as they are', async () => {
        assert.strictEqual(await read(4, 'hostile/<b>x</b> & "q".conf'), 'hostile name');
        assert.strictEqual(await read(4, 'hostile/line\nbreak'), 'newline in name');
      });

      it('a file over the editor limit is refused in a sentence, and saves out whole, streamed', async () => {
        const restore = overrideLimits({ openFileMaxBytes: 100_000 });
        try {
          await fails(4, 'data/big.bin', /300,000 bytes, more than the 100,000 opened in an editor; save it out instead/);
          const out = path.join(t.dir, `big-${stream}.bin`);
          await files.saveFile(await files.view({ imageId: id, layer: 4, mode: 'merged' }), 'data/big.bin', out);
          assert.deepStrictEqual(await fs.readFile(out), BIG);
        } finally {
          restore();
        }
      });

      it('a layer the image does not have is a sentence', async () => {
        await assert.rejects(files.view({ imageId: id, layer: 5, mode: 'merged' }), (e: unknown) => BackendError.is(e, 'not-found') && /has 5 layers; there is no layer 6/.test(e.message));
      });
    });
  }
});
