import * as assert from 'assert';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { ImageBackend } from '../../../src/backend/backend';
import { ImageCatalog } from '../../../src/backend/catalog';
import { BuiltinStore } from '../../../src/backend/store/builtin-store';
import { StoreLayout } from '../../../src/backend/store/layout';
import { layersBySize } from '../../../src/core/sharing';
import { sampleImages, writeDockerSaveArchive } from '../../fixtures/archives';
import { tempDir } from './helpers';

/** The Layers view's rows as a user reads them: size, users, step, and who uses the layer. */
async function layerRows(backend: ImageBackend): Promise<string[]> {
  const index = await new ImageCatalog(backend).layerIndex();
  return layersBySize(index).map((u) => `${u.size} ${u.imageIds.length} ${u.createdBy} [${[...u.imageNames].sort().join(', ')}]`);
}

/** The store as the catalog sees it, counting the per-image reads (each reads the image's config). */
function counting(store: BuiltinStore, without: 'layerFacts' | '' = ''): ImageBackend & { reads: number } {
  const reads = { n: 0 };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'reads') return reads.n;
      if (prop === without) return undefined;
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'inspectImage' || prop === 'imageHistory' || prop === 'emptyLayerFlags') {
        return (...args: unknown[]) => {
          reads.n++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  }) as unknown as ImageBackend & { reads: number };
}

/** Rewrites summary.json the way the store wrote it before each layer's build step was kept (version 2). */
async function writeOldSummary(root: string): Promise<void> {
  const file = new StoreLayout(root).summary;
  const text = await fs.readFile(file, 'utf8');
  const entries = (JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>[]).map((e) => {
    const old = { ...e };
    delete old.steps;
    return old;
  });
  const body = JSON.stringify(entries);
  const sum = createHash('sha256').update(body).digest('hex');
  await fs.writeFile(file, `${JSON.stringify({ version: 2, sha256: sum })}\n${body}\n`);
}

describe('the Layers view of the built-in store', () => {
  let t: ReturnType<typeof tempDir>;
  let root: string;
  let expected: string[];

  before(async () => {
    t = tempDir();
    const archive = path.join(t.dir, 'samples.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    root = path.join(t.dir, 'store');
    await new BuiltinStore(root).loadArchive(archive);
    // What inspecting every image gives: the rows the view showed before the summary kept the steps.
    expected = await layerRows(counting(new BuiltinStore(root), 'layerFacts'));
  });
  after(() => t.cleanup());

  it('lists from the summary index alone, with the same sizes, users and build steps as inspecting each image', async () => {
    const backend = counting(new BuiltinStore(root));
    const rows = await layerRows(backend);
    assert.deepStrictEqual(rows, expected);
    assert.ok(rows.some((r) => r.includes(' COPY libsample /usr/lib/ [')), rows.join('\n'));
    assert.ok(rows.some((r) => / [2-9] /.test(r)), 'some layer is shared');
    assert.strictEqual(backend.reads, 0, 'no image inspected');
  });

  it('still lists a store whose summary was written before the steps were kept, and brings its index up to date', async () => {
    await writeOldSummary(root);
    const old = new BuiltinStore(root);
    assert.deepStrictEqual(await layerRows(old), expected);
    const header = JSON.parse((await fs.readFile(new StoreLayout(root).summary, 'utf8')).split('\n')[0]) as { version: number };
    assert.strictEqual(header.version, 3);
    const again = counting(new BuiltinStore(root));
    assert.deepStrictEqual(await layerRows(again), expected);
    assert.strictEqual(again.reads, 0, 'the rewritten index is used');
  });
});
