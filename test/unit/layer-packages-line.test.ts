import * as assert from 'assert';
import { createHash } from 'crypto';
import { Readable } from 'stream';
import * as tar from 'tar-stream';
import type { ImageBackend } from '../../src/backend/backend';
import type { ImageCatalog } from '../../src/backend/catalog';
import { layerContentsCache } from '../../src/backend/layer-contents';
import { LayerPackagesLines } from '../../src/ui/tree/layer-packages';

const STATUS = 'Package: gzip\nStatus: install ok installed\nInstalled-Size: 100\nArchitecture: amd64\nVersion: 1.12-1\n\n';

async function layerTar(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'var/lib/dpkg/status', mtime: new Date(0) }, STATUS);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A catalog over a backend of `kind` holding one one-layer image; `saves` counts what read its layer. */
async function catalogOf(kind: 'docker' | 'builtin', id: string) {
  const bytes = await layerTar();
  const diffId = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const inspect = { Id: id, RootFS: { Type: 'layers', Layers: [diffId] }, Size: bytes.length };
  const counts = { saves: 0 };
  const backend = {
    kind,
    inspectImage: async () => inspect,
    layerTar: async () => (counts.saves++, Readable.from([bytes])),
  } as unknown as ImageBackend;
  const catalog = { backend, detailsOf: async () => ({ inspect }) } as unknown as ImageCatalog;
  return { catalog, counts, diffId, bytes };
}

describe("a layer row tooltip's packages line", () => {
  // The layer cache is the extension's shared one: each case starts without the others' reads.
  beforeEach(() => layerContentsCache().clear());
  it("on an engine, does not save an image for a hover: it says how to read it, and no layer is read", async () => {
    const { catalog, counts } = await catalogOf('docker', `sha256:${'e'.repeat(64)}`);
    const lines = new LayerPackagesLines(async () => catalog, () => undefined);
    assert.strictEqual(await lines.line(`sha256:${'e'.repeat(64)}`, 0), 'Packages: not read yet (Show Packages reads them)');
    assert.strictEqual(counts.saves, 0);
  });

  it('on the built-in store, reads the layer and says what it installed', async () => {
    const { catalog, counts } = await catalogOf('builtin', `sha256:${'b'.repeat(64)}`);
    const lines = new LayerPackagesLines(async () => catalog, () => undefined);
    assert.match((await lines.line(`sha256:${'b'.repeat(64)}`, 0)) ?? '', /^Packages: 1 package added, 102kB/);
    assert.strictEqual(counts.saves, 1);
  });

  it("on an engine whose layers a panel read already, says what they installed without another save", async () => {
    const id = `sha256:${'c'.repeat(64)}`;
    const { catalog, counts, diffId, bytes } = await catalogOf('docker', id);
    const { readLayerEntries } = await import('../../src/backend/layer-contents');
    layerContentsCache().put(diffId, await readLayerEntries(Readable.from([bytes])));
    try {
      const lines = new LayerPackagesLines(async () => catalog, () => undefined);
      assert.match((await lines.line(id, 0)) ?? '', /^Packages: 1 package added/);
      assert.strictEqual(counts.saves, 0);
    } finally {
      layerContentsCache().clear();
    }
  });

  it('rows hovered while a slow read runs share it: one read, and the rows drawn again once when it ends', async function () {
    this.timeout(10_000);
    const id = `sha256:${'d'.repeat(64)}`;
    const { catalog, counts } = await catalogOf('builtin', id);
    const slow = catalog.backend.layerTar.bind(catalog.backend);
    (catalog.backend as { layerTar: unknown }).layerTar = async (...a: Parameters<typeof slow>) => {
      await new Promise((r) => setTimeout(r, 2000));
      return slow(...a);
    };
    let redrawn = 0;
    let ended: () => void = () => undefined;
    const redraw = new Promise<void>((r) => (ended = r));
    const lines = new LayerPackagesLines(async () => catalog, () => (redrawn++, ended()));
    const shown = await Promise.all([lines.line(id, 0), lines.line(id, 0), lines.line(id, 0)]);
    assert.deepStrictEqual(shown, Array(3).fill('Packages: reading the layers…'));
    await redraw;
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(counts.saves, 1);
    assert.strictEqual(redrawn, 1);
    assert.match((await lines.line(id, 0)) ?? '', /^Packages: 1 package added/);
  });
});
