// Two images' layer stacks compared: the shared bottom run (the layers stored once), what each adds, and layers
// with the same bytes on another base, which the engine stores again.
import * as assert from 'assert';
import { compareLayers, describeComparison } from '../../src/core/compare';
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

describe('describeComparison', () => {
  it('names the shared layers, their bytes, and what each image has above them', () => {
    const base = steps(['a', 100], ['b', 20], ['c', 3]);
    const app = steps(['a', 100], ['b', 20], ['c', 3], ['d', 5000]);
    assert.strictEqual(
      describeComparison('app:1', 'base:1', compareLayers(app, base)),
      'Layers 1–3 are shared (123B, stored once for both). base:1 has no other layer; app:1 adds 1 layer on top (5kB).',
    );
    assert.strictEqual(
      describeComparison('base:1', 'app:1', compareLayers(base, app)),
      'Layers 1–3 are shared (123B, stored once for both). base:1 has no other layer; app:1 adds 1 layer on top (5kB).',
    );
    const x = steps(['a', 1], ['b', 2], ['shared-bytes', 30]);
    const y = steps(['a', 1], ['other', 4], ['shared-bytes', 30], ['e', 7]);
    assert.strictEqual(
      describeComparison('x:1', 'y:1', compareLayers(x, y)),
      'Layer 1 is shared (1B, stored once for both). Above layer 1 they differ: x:1 has 2 layers of its own (32B), y:1 has 3 (41B).',
    );
    assert.match(describeComparison('x:1', 'y:1', compareLayers(steps(['a', 1]), steps(['b', 1]))), /^No layer in common/);
  });
});
