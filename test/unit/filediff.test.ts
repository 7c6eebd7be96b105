// Two images' merged filesystems compared by path: type, size, mode, link target and contents.
import * as assert from 'assert';
import { diffTrees } from '../../src/core/filediff';
import { mergeLayers, type LayerEntry } from '../../src/core/filetree';

const file = (path: string, size: number, mode = 0o644): LayerEntry => ({ path, type: 'file', size, mode });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0, mode: 0o755 });

describe('diffTrees', () => {
  const base = [dir('etc'), file('etc/os-release', 100), dir('bin'), file('bin/sh', 900, 0o755)];

  it('lists what only one image has, largest first, and what both have differently', () => {
    const a = mergeLayers([base, [dir('app'), file('app/server.js', 5000), file('app/small.txt', 3)]]);
    const b = mergeLayers([base, [file('etc/os-release', 120), file('etc/extra.conf', 40), { path: 'bin/sh', type: 'symlink', size: 0, mode: 0o777, linkname: 'busybox' }]]);
    const d = diffTrees(a, b);
    assert.deepStrictEqual(d.onlyA.map((f) => f.path), ['app/server.js', 'app/small.txt', 'app']);
    assert.strictEqual(d.bytesOnlyA, 5003);
    assert.deepStrictEqual(d.onlyB.map((f) => f.path), ['etc/extra.conf']);
    assert.deepStrictEqual(d.differ.map((x) => [x.a.path, x.a.type, x.b.type, x.a.size, x.b.size]), [
      ['bin/sh', 'file', 'symlink', 900, 0],
      ['etc/os-release', 'file', 'file', 100, 120],
    ]);
    assert.strictEqual(d.same, 2, 'etc and bin');
  });

  it('tells files of one size and mode apart by their contents', () => {
    const withHash = (hash: string): LayerEntry => ({ ...file('etc/app.conf', 12), contentHash: hash });
    const d = diffTrees(mergeLayers([base, [withHash('aaaa')]]), mergeLayers([base, [withHash('bbbb')]]));
    assert.deepStrictEqual(d.differ.map((x) => [x.a.path, x.a.contentHash, x.b.contentHash]), [['etc/app.conf', 'aaaa', 'bbbb']]);
    assert.strictEqual(diffTrees(mergeLayers([base, [withHash('aaaa')]]), mergeLayers([base, [withHash('aaaa')]])).differ.length, 0);
  });

  it('follows whiteouts: a file removed in a later layer is not there to compare', () => {
    const a = mergeLayers([base, [file('etc/.wh.os-release', 0)]]);
    const b = mergeLayers([base]);
    const d = diffTrees(a, b);
    assert.deepStrictEqual(d.onlyA, []);
    assert.deepStrictEqual(d.onlyB.map((f) => f.path), ['etc/os-release']);
  });

  it('finds nothing between an image and itself', () => {
    const d = diffTrees(mergeLayers([base]), mergeLayers([base]));
    assert.deepStrictEqual([d.onlyA.length, d.onlyB.length, d.differ.length, d.same], [0, 0, 0, 4]);
  });
});
