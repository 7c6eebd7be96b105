import * as assert from 'assert';
import { createHash } from 'crypto';
import { layoutLayerMap, type MapImage } from '../../src/core/layer-map';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const d = (n: string) => `sha256:${n.repeat(64)}`;
const image = (id: string, name: string, layers: [string, number][]): MapImage => ({
  id,
  names: [name],
  diffIds: layers.map(([l]) => d(l)),
  sizes: layers.map(([, s]) => s),
  steps: layers.map(([l]) => `COPY ${l} /`),
});
const OPTIONS = { height: 100, minHeight: 4 };

describe('Layer Map layout', () => {
  const base = image('B', 'base:1', [['1', 600], ['2', 200], ['3', 1]]);
  const app = image('A', 'app:1', [['1', 600], ['2', 200], ['3', 1], ['4', 200]]);
  // Same bytes as base's second layer, on another base: stored again, not shared.
  const other = image('O', 'other:1', [['5', 100], ['2', 200]]);
  const web = image('W', 'web:1', [['1', 600], ['6', 50]]);

  it('draws a layer several images use once, across all their columns', () => {
    const map = layoutLayerMap([app, other, base, web], sha, OPTIONS);
    const bottom = map.cells.filter((c) => c.diffId === d('1'));
    assert.strictEqual(bottom.length, 1, 'one cell for the layer all three use');
    const spanned = map.columns.slice(bottom[0].first, bottom[0].last + 1).map((c) => c.names[0]);
    assert.deepStrictEqual(spanned.sort(), ['app:1', 'base:1', 'web:1']);
    assert.deepStrictEqual([...bottom[0].users].sort(), ['app:1', 'base:1', 'web:1']);
  });

  it('orders columns so that the users of every layer are side by side', () => {
    // Whatever order the images come in, every cell's users are exactly the columns it spans.
    for (const input of [[app, other, base, web], [web, base, other, app], [other, web, app, base]]) {
      const map = layoutLayerMap(input, sha, OPTIONS);
      for (const cell of map.cells) {
        const prefix = (i: MapImage) => i.diffIds.slice(0, cell.depth + 1).join();
        const owner = input.find((i) => i.id === map.columns[cell.first].id)!;
        const users = input.filter((i) => i.diffIds.length > cell.depth && prefix(i) === prefix(owner)).map((i) => i.id);
        const spanned = map.columns.slice(cell.first, cell.last + 1).map((c) => c.id);
        assert.deepStrictEqual(spanned.sort(), users.sort(), `cell at depth ${cell.depth} of ${owner.names[0]}`);
      }
      assert.deepStrictEqual(
        map.columns.map((c) => c.names[0]),
        ['base:1', 'app:1', 'web:1', 'other:1'],
        'the largest family first, a base left of what is built on it; the same order for any input order',
      );
    }
  });

  it('stacks each layer on the one below it, with heights by bytes and a minimum for tiny layers', () => {
    const map = layoutLayerMap([app, base, web], sha, OPTIONS);
    const cell = (id: string) => map.cells.find((c) => c.diffId === d(id))!;
    // The tallest image (app, 1001 B) is 100 units high, bar the minimum given to the 1-byte layer.
    assert.ok(Math.abs(cell('1').height - (600 * 100) / 1001) < 1e-9);
    assert.strictEqual(cell('1').bottom, 0);
    assert.strictEqual(cell('2').bottom, cell('1').height);
    assert.strictEqual(cell('3').height, 4, 'a 1-byte layer is raised to the minimum');
    assert.strictEqual(cell('4').bottom, cell('3').bottom + cell('3').height, 'app’s own layer sits on the shared top');
    assert.strictEqual(cell('6').bottom, cell('1').height, 'web’s layer sits on the base layer it shares');
    assert.strictEqual(map.height, cell('4').bottom + cell('4').height);
  });

  it('counts the bytes stored once against the sum of the images’ sizes', () => {
    const map = layoutLayerMap([app, base], sha, OPTIONS);
    assert.strictEqual(map.summedBytes, 1001 + 801);
    assert.strictEqual(map.storedBytes, 1001, 'base is all inside app');
    assert.deepStrictEqual(map.columns.map((c) => [c.names[0], c.size, c.layers]), [['base:1', 801, 3], ['app:1', 1001, 4]]);
  });

  it('names where the same bytes are stored again on another base', () => {
    const map = layoutLayerMap([base, other], sha, OPTIONS);
    const copies = map.cells.filter((c) => c.diffId === d('2'));
    assert.strictEqual(copies.length, 2, 'two layers: the same diff on different bases');
    assert.deepStrictEqual(copies.find((c) => c.users[0] === 'other:1')!.sameContent, [{ name: 'base:1', depth: 1 }]);
  });

  it('gives an image without layers a column of its own, and nothing to draw in it', () => {
    const empty: MapImage = { id: 'E', names: ['empty:1'], diffIds: [], sizes: [], steps: [] };
    const map = layoutLayerMap([empty, base], sha, OPTIONS);
    assert.deepStrictEqual(map.columns.map((c) => c.names[0]), ['base:1', 'empty:1']);
    assert.ok(map.cells.every((c) => c.last < 1));
  });
});
