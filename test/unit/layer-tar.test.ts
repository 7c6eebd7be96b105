import * as assert from 'assert';
import { createReadStream } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { findLayerInArchive, readLayersInArchive } from '../../src/backend/docker/layer-tar';
import { readLayerEntries } from '../../src/backend/layer-contents';
import { fixtureDiffIds, sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { zstdStore } from '../fixtures/zstd-frames';
import { tempDir } from './store/helpers';

// An engine's save whose layers are blobs as pulled (Docker's containerd image store): zstd, gzip and plain in
// one image, each named after its compressed digest, so only its bytes say which diff ID it holds.
const mixed = (tar: Buffer, i: number) => [(b: Buffer) => zstdStore(b), (b: Buffer) => gzipSync(b), (b: Buffer) => b][i % 3](tar);

describe("layer-tar: layers found in an engine's archive by diff ID", function () {
  this.timeout(20000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('finds zstd, gzip and plain layers stored under their compressed digests, one at a time and all at once', async () => {
    const app = sampleImages()[1];
    const archive = path.join(t.dir, 'saved.tar');
    await writeDockerSaveArchive(archive, [app], { layout: 'oci', blobOf: mixed });
    const diffIds = await fixtureDiffIds(app);
    const files = (i: number) => app.layers[i].files.map((f) => f.path.replace(/\/$/, '')).sort();
    const shown = (entries: { path: string }[]) => entries.map((e) => e.path.replace(/\/$/, '')).sort();
    for (const [i, diffId] of diffIds.entries()) {
      const tar = await findLayerInArchive(createReadStream(archive), diffId, () => undefined);
      assert.deepStrictEqual(shown((await readLayerEntries(tar)).entries), files(i), `layer ${i}`);
    }
    const all = await readLayersInArchive(createReadStream(archive), diffIds, (tar) => readLayerEntries(tar), () => undefined);
    for (const [i, diffId] of diffIds.entries()) assert.deepStrictEqual(shown(all.get(diffId)!.entries), files(i), `layer ${i}`);
  });

  it("pairs Docker 20.10's <v1 id>/layer.tar entries with diff IDs through manifest.json, shared layers and symlinks included", async () => {
    // Both sample images in one legacy save: the app's third layer is a symlink to the base's, as dockerd writes it.
    const [base, app] = sampleImages();
    const archive = path.join(t.dir, 'saved.tar');
    await writeDockerSaveArchive(archive, [base, app], { layout: 'legacy' });
    const diffIds = await fixtureDiffIds(app);
    const all = await readLayersInArchive(createReadStream(archive), diffIds, (tar) => readLayerEntries(tar), () => undefined);
    const shown = (entries: { path: string }[]) => entries.map((e) => e.path.replace(/\/$/, '')).sort();
    for (const [i, diffId] of diffIds.entries()) {
      assert.deepStrictEqual(shown(all.get(diffId)!.entries), app.layers[i].files.map((f) => f.path.replace(/\/$/, '')).sort(), `layer ${i}`);
    }
    // A layer the image does not have is not made up from the archive's other entries.
    await assert.rejects(
      readLayersInArchive(createReadStream(archive), [`sha256:${'0'.repeat(64)}`], (tar) => readLayerEntries(tar), () => undefined),
      /has no layer sha256:0000/,
    );
  });
});
