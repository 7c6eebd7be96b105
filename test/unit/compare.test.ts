// Two images' layer stacks compared: the shared bottom run (the layers stored once), what each adds, and layers
// with the same bytes on another base, which the engine stores again.
import * as assert from 'assert';
import { compareLayers } from '../../src/core/compare';
import type { LayerStep } from '../../src/core/layers';

/** Layer steps from (diff ID, size) pairs, bottom first, with an empty step in between as images have. */
function steps(...layers: [string, number][]): LayerStep[] {
  const out: LayerStep[] = [];
  layers.forEach(([d, size], i) => {
    out.push({ index: out.length, diffId: `sha256:${d}`, layerIndex: i, size, createdBy: `RUN make ${d}`, created: 0, comment: '', empty: false });
    out.push({ index: out.length, size: 0, createdBy: 'ENV X=1', created: 0, comment: '', empty: true });
  });
  return out;
}

describe('compareLayers', () => {
  it('an image built on another shares all of its layers and adds its own', () => {
    const base = steps(['a', 100], ['b', 20], ['c', 3]);
    const app = steps(['a', 100], ['b', 20], ['c', 3], ['d', 5000]);
    const c = compareLayers(app, base);
    assert.deepStrictEqual(c.shared, { layers: 3, bytes: 123 });
    assert.deepStrictEqual(c.onlyA, { layers: 1, bytes: 5000 });
    assert.deepStrictEqual(c.onlyB, { layers: 0, bytes: 0 });
    assert.deepStrictEqual(c.rows.map((r) => [r.layer, r.shared, r.a?.diffId, r.b?.diffId]), [
      [0, true, 'sha256:a', 'sha256:a'],
      [1, true, 'sha256:b', 'sha256:b'],
      [2, true, 'sha256:c', 'sha256:c'],
      [3, false, 'sha256:d', undefined],
    ]);
    assert.strictEqual(c.sameLayers, false);
  });

  it('stops sharing at the first difference, even where the same bytes come back later on another base', () => {
    const x = steps(['a', 1], ['b', 2], ['shared-bytes', 30]);
    const y = steps(['a', 1], ['other', 4], ['shared-bytes', 30], ['e', 7]);
    const c = compareLayers(x, y);
    assert.deepStrictEqual(c.shared, { layers: 1, bytes: 1 });
    assert.deepStrictEqual(c.onlyA, { layers: 2, bytes: 32 });
    assert.deepStrictEqual(c.onlyB, { layers: 3, bytes: 41 });
    const third = c.rows[2];
    assert.strictEqual(third.shared, false, 'same diff ID, different chain: not the same layer on disk');
    assert.strictEqual(third.aSameContentAt, 2);
    assert.strictEqual(third.bSameContentAt, 2);
    assert.strictEqual(c.rows[1].aSameContentAt, undefined);
  });

  it('says when two stacks are the same layers, and when they have nothing in common', () => {
    assert.strictEqual(compareLayers(steps(['a', 1]), steps(['a', 1])).sameLayers, true);
    const none = compareLayers(steps(['a', 1]), steps(['b', 2], ['c', 3]));
    assert.deepStrictEqual([none.shared.layers, none.onlyA.layers, none.onlyB.layers, none.rows.length], [0, 1, 2, 2]);
    assert.strictEqual(none.rows[1].a, undefined);
  });
});
