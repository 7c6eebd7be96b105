import * as assert from 'assert';
import { efficiency } from '../../src/core/efficiency';
import type { LayerEntry } from '../../src/core/filetree';

const file = (path: string, size = 0): LayerEntry => ({ path, type: 'file', size, mode: 0o644 });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0, mode: 0o755 });

describe('efficiency (dive)', () => {
  // dive's own tests (filetree/efficiency_test.go), the same input shape: paths added with AddPath, so the
  // directories are implied (no entry of their own).
  it("gives dive's TestEfficency result: score 0.75, one inefficiency /etc/nginx/nginx.conf of 7000 bytes in layers 0 and 1", () => {
    const r = efficiency([
      [file('/etc/nginx/nginx.conf', 2000), file('/etc/nginx/public', 3000)],
      [file('/etc/nginx/nginx.conf', 5000), file('/etc/athing', 10000)],
      [file('/etc/.wh.nginx')],
    ]);
    assert.strictEqual(r.score, 0.75);
    assert.strictEqual(r.inefficiencies.length, 1);
    assert.strictEqual(r.inefficiencies[0].path, '/etc/nginx/nginx.conf');
    assert.strictEqual(r.inefficiencies[0].cumulativeSize, 7000);
    assert.deepStrictEqual(r.inefficiencies[0].layers, [0, 1]);
  });

  it("gives dive's TestEfficency_ScratchImage result: score 1 and nothing wasted", () => {
    const r = efficiency([[file('/nothing', 0)], [], []]);
    assert.strictEqual(r.score, 1);
    assert.deepStrictEqual(r.inefficiencies, []);
    assert.strictEqual(r.wastedBytes, 0);
  });

  it('scores an image with no layers as 1', () => {
    assert.strictEqual(efficiency([]).score, 1);
  });

  // Worked by hand, following efficiency.go:
  //   L0: etc/, etc/a 100, etc/b 50, opt/, opt/x 30, opt/y 20       (leaves: etc/a, etc/b, opt/x, opt/y)
  //   L1: etc/a 300, etc/.wh.b                                        (removing a file weighs 0)
  //   L2: .wh.opt, etc/a 10                                           (removing a dir weighs what it held: 0+30+20)
  //   /etc/a: 100+300+10 = 410, min 10, 3 times   /etc/b: 50+0 = 50, min 0, 2 times (removed)
  //   /opt/x 30/30   /opt/y 20/20   /opt 50/50 (once)
  //   score = (10+0+30+20+50) / (410+50+30+20+50) = 110/560; wasted = 410+50 = 460
  //   sizes: L0 200, L1 300, L2 10 = 510; user (above L0) 310
  const handCase = [
    [dir('etc'), file('etc/a', 100), file('etc/b', 50), dir('opt'), file('opt/x', 30), file('opt/y', 20)],
    [dir('etc'), file('etc/a', 300), file('etc/.wh.b')],
    [file('.wh.opt'), dir('etc'), file('etc/a', 10)],
  ];

  it('counts overwritten and removed files as dive does (a case worked by hand)', () => {
    const r = efficiency(handCase);
    assert.strictEqual(r.score, 110 / 560);
    assert.strictEqual(r.wastedBytes, 460);
    assert.strictEqual(r.sizeBytes, 510);
    assert.strictEqual(r.userSizeBytes, 310);
    assert.deepStrictEqual(r.layerSizes, [200, 300, 10]);
    assert.strictEqual(r.wastedUserPercent, 460 / 310);
    assert.deepStrictEqual(
      r.inefficiencies.map((i) => [i.path, i.count, i.cumulativeSize, i.layers, i.removed]),
      [
        ['/etc/a', 3, 410, [0, 1, 2], false],
        ['/etc/b', 2, 50, [0, 1], true],
      ],
    );
  });

  it('ignores opaque markers, as dive does', () => {
    const base = [dir('var'), file('var/a', 10)];
    const plain = efficiency([base, [dir('var'), file('var/b', 5)]]);
    const opaque = efficiency([base, [dir('var'), file('var/.wh..wh..opq'), file('var/b', 5)]]);
    assert.strictEqual(opaque.score, plain.score);
    assert.strictEqual(opaque.wastedBytes, plain.wastedBytes);
  });

  it('gives sample/app:1.0 (the fixture) its numbers: sample.conf written in L3 and removed in L4 wastes 17 bytes', () => {
    const L1 = [dir('etc'), file('etc/os-release', 42), dir('bin'), file('bin/sh', 960)];
    const L2 = [dir('usr'), dir('usr/lib'), file('usr/lib/libsample.so.1', 4096), { path: 'usr/lib/libsample.so', type: 'symlink' as const, size: 0, mode: 0o777, linkname: 'libsample.so.1' }];
    const L3 = [dir('etc'), file('etc/sample.conf', 17)];
    const L4 = [dir('app'), file('app/server.js', 2700), file('app/data.bin', 10000), dir('etc'), file('etc/.wh.sample.conf')];
    const r = efficiency([L1, L2, L3, L4]);
    assert.strictEqual(r.sizeBytes, 17815);
    assert.strictEqual(r.wastedBytes, 17);
    assert.strictEqual(r.score, 17798 / 17815);
    assert.deepStrictEqual(r.inefficiencies.map((i) => [i.path, i.count, i.cumulativeSize, i.removed]), [['/etc/sample.conf', 2, 17, true]]);
  });

  it('survives hostile paths: ../ and absolute names land under the root', () => {
    const r = efficiency([[file('../../etc/passwd', 5)], [file('/etc/passwd', 7)]]);
    assert.deepStrictEqual(r.inefficiencies.map((i) => i.path), ['/etc/passwd']);
    assert.strictEqual(r.wastedBytes, 12);
  });
});
