import * as assert from 'assert';
import { layerWaste } from '../../src/core/layer-waste';
import { mergeLayers, type LayerEntry } from '../../src/core/filetree';

const file = (path: string, size: number): LayerEntry => ({ path, type: 'file', size, mode: 0o644 });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0, mode: 0o755 });
const link = (path: string, linkname: string): LayerEntry => ({ path, type: 'symlink', size: 0, mode: 0o777, linkname });
const summary = (layers: LayerEntry[][]) => layerWaste(layers).map((w) => ({ bytes: w.bytes, paths: w.paths.map((p) => `${p.path} ${p.size} by ${p.hiddenBy} ${p.how}`) }));

describe('layerWaste: dead bytes on the layer that wrote them', () => {
  it('puts a download removed by a later RUN on the layer that downloaded it, naming the layer that removed it', () => {
    const layers = [
      [dir('bin'), file('bin/sh', 1000)],
      [dir('tmp'), file('tmp/big.tar', 6_290_000)],
      [dir('tmp'), file('tmp/.wh.big.tar', 0)],
    ];
    assert.deepStrictEqual(summary(layers), [
      { bytes: 0, paths: [] },
      { bytes: 6_290_000, paths: ['tmp/big.tar 6290000 by 2 removed'] },
      { bytes: 0, paths: [] },
    ]);
  });

  it('counts a file written again as dead in the lower layer only, and nothing for the copy that survives', () => {
    const w = layerWaste([[file('etc/app.conf', 2000)], [file('etc/app.conf', 5000)]]);
    assert.deepStrictEqual(w.map((x) => x.bytes), [2000, 0]);
    assert.strictEqual(w[0].paths[0].how, 'overwritten');
  });

  it('hides everything under a removed directory and under an opaque one, from every layer below', () => {
    const layers = [
      [dir('var/lib/apt/lists'), file('var/lib/apt/lists/a', 300), file('var/lib/apt/lists/b', 200)],
      [file('var/lib/apt/lists/c', 50), file('var/cache/x', 7)],
      [file('var/lib/apt/.wh.lists', 0), dir('var/cache'), file('var/cache/.wh..wh..opq', 0), file('var/cache/y', 1)],
    ];
    const w = summary(layers);
    assert.deepStrictEqual(w[0], { bytes: 500, paths: ['var/lib/apt/lists/a 300 by 2 removed', 'var/lib/apt/lists/b 200 by 2 removed'] });
    assert.deepStrictEqual(w[1], { bytes: 57, paths: ['var/lib/apt/lists/c 50 by 2 removed', 'var/cache/x 7 by 2 removed'] });
    assert.deepStrictEqual(w[2], { bytes: 0, paths: [] });
  });

  it('hides a file replaced by a directory, and a directory replaced by a file', () => {
    const layers = [[file('opt/tool', 40), file('srv/data/one', 10), file('srv/data/two', 20)], [file('opt/tool/bin', 1), file('srv/data', 3)]];
    assert.deepStrictEqual(summary(layers)[0], {
      bytes: 70,
      paths: ['opt/tool 40 by 1 overwritten', 'srv/data/two 20 by 1 overwritten', 'srv/data/one 10 by 1 overwritten'],
    });
  });

  it('finds nothing where nothing is hidden: links and empty files removed weigh nothing, a whiteout of a missing path is harmless', () => {
    const layers = [[link('usr/bin/sh', 'busybox'), file('etc/empty', 0)], [file('usr/bin/.wh.sh', 0), file('etc/.wh.empty', 0), file('nowhere/.wh.ghost', 0)]];
    assert.deepStrictEqual(layerWaste(layers).map((w) => w.bytes), [0, 0]);
  });

  it('adds up to exactly the bytes the layers hold less the bytes the merged filesystem shows', () => {
    const layers = [
      [dir('a'), file('a/1', 100), file('a/2', 200), file('b', 50)],
      [file('a/1', 10), file('.wh.b', 0), file('c', 5)],
      [file('a/.wh..wh..opq', 0), file('a/3', 1), file('.wh.c', 0)],
    ];
    const held = layers.flat().reduce((a, e) => a + e.size, 0);
    const shown = mergeLayers(layers).counts.bytes;
    const dead = layerWaste(layers).reduce((a, w) => a + w.bytes, 0);
    assert.strictEqual(dead, held - shown);
    assert.strictEqual(dead, 365);
  });
});
