import * as assert from 'assert';
import { createHash } from 'crypto';
import { describeUsers, imagesUsing, layersBySize, indexLayers, sharingTotals } from '../../src/core/sharing';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const d = (n: string) => `sha256:${n.repeat(64)}`;

describe('layer sharing', () => {
  const index = indexLayers(
    [
      { id: 'A', name: 'base:1', diffIds: [d('1'), d('2'), d('3')], sizes: [100, 20, 3] },
      { id: 'B', name: 'app:1', diffIds: [d('1'), d('2'), d('3'), d('4')], sizes: [100, 20, 3, 500] },
      // Same diff as A's second layer, but on another base: a different layer to the engine.
      { id: 'C', name: 'other:1', diffIds: [d('5'), d('2')], sizes: [7, 20] },
    ],
    sha,
  );

  it('counts the images that use a layer, by chain ID, this one included', () => {
    assert.strictEqual(imagesUsing(index, 'B', 0), 2);
    assert.strictEqual(imagesUsing(index, 'B', 2), 2);
    assert.strictEqual(imagesUsing(index, 'B', 3), 1);
    assert.strictEqual(imagesUsing(index, 'C', 1), 1);
  });

  it('says "shared by N" with the N of the Layers view, which counts every user', () => {
    const usage = layersBySize(index).find((u) => u.diffId === d('1'));
    assert.strictEqual(describeUsers(imagesUsing(index, 'B', 0)), `shared by ${usage?.imageIds.length}`);
    assert.strictEqual(describeUsers(imagesUsing(index, 'B', 0)), 'shared by 2');
    assert.strictEqual(describeUsers(imagesUsing(index, 'B', 3)), '1 image');
  });

  it('lists every layer once, largest first, with its users', () => {
    const rows = layersBySize(index);
    assert.strictEqual(rows.length, 6);
    assert.deepStrictEqual(rows.map((r) => r.size), [500, 100, 20, 20, 7, 3]);
    assert.deepStrictEqual(rows[1].imageNames, ['base:1', 'app:1']);
  });

  it('adds up shared and unique bytes', () => {
    assert.deepStrictEqual(sharingTotals(index), { shared: 123, unique: 527, layers: 6 });
  });
});
