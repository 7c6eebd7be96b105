import * as assert from 'assert';
import { mergeLayers, type LayerEntry } from '../../src/core/filetree';
import { hardLinkTarget, MAX_SYMLINKS, resolvePath } from '../../src/core/image-paths';

const file = (path: string, size = 1): LayerEntry => ({ path, type: 'file', size, mode: 0o644, offset: 512 });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0, mode: 0o755 });
const link = (path: string, linkname: string): LayerEntry => ({ path, type: 'symlink', size: 0, mode: 0o777, linkname });

function at(tree: ReturnType<typeof mergeLayers>, path: string, follow = true): string {
  const r = resolvePath(tree, path, follow);
  return 'node' in r ? `${r.node.type}:/${r.node.path}@${r.node.layer}` : `${r.problem}: ${r.message}`;
}

describe('paths inside an image', () => {
  const tree = mergeLayers([
    [dir('usr'), dir('usr/lib'), file('usr/lib/libc.so'), link('lib', 'usr/lib'), file('etc/passwd'), link('etc/abs', '/usr/lib/libc.so')],
    [
      link('etc/up', '../../../../../etc/passwd'),
      link('etc/a', 'b'),
      link('etc/b', 'a'),
      link('etc/self', '.'),
      link('etc/dangling', '/nowhere'),
      link('bin', 'usr/bin'),
      file('etc/passwd', 9),
    ],
  ]);

  it('follows links on the way and at the end, relative and absolute, to the layer that wrote the file', () => {
    assert.strictEqual(at(tree, 'lib/libc.so'), 'file:/usr/lib/libc.so@0');
    assert.strictEqual(at(tree, '/etc/abs'), 'file:/usr/lib/libc.so@0');
    assert.strictEqual(at(tree, 'etc/abs', false), 'symlink:/etc/abs@0', 'the link itself when asked not to follow');
    assert.strictEqual(at(tree, 'etc/passwd'), 'file:/etc/passwd@1', 'the upper layer wins');
    assert.strictEqual(at(tree, 'etc/self/self/self/passwd'), 'file:/etc/passwd@1');
  });

  it("a link's `..` stops at the image's root, as in a chroot: it never names a path outside the image", () => {
    assert.strictEqual(at(tree, 'etc/up'), 'file:/etc/passwd@1');
  });

  it('a `..` the caller writes above the root is refused in a sentence; one inside the image is fine', () => {
    assert.match(at(tree, '../etc/passwd'), /^climbs-out: \/\.\.\/etc\/passwd climbs above the image's root/);
    assert.match(at(tree, 'usr/../../etc/passwd'), /^climbs-out/);
    assert.strictEqual(at(tree, 'usr/lib/../../etc/passwd'), 'file:/etc/passwd@1');
  });

  it(`a loop ends with a sentence after ${MAX_SYMLINKS} links, not a hang`, () => {
    assert.match(at(tree, 'etc/a'), /^loop: \/etc\/a: too many levels of symbolic links/);
    assert.match(at(tree, 'etc/a/x'), /^loop:/);
  });

  it('a dangling link, a missing path and a file used as a folder each say so', () => {
    assert.match(at(tree, 'etc/dangling'), /^not-found: \/etc\/dangling is not in the image/);
    assert.match(at(tree, 'bin/sh'), /^not-found/);
    assert.match(at(tree, 'etc/passwd/x'), /^not-a-directory: \/etc\/passwd\/x: \/etc\/passwd is not a directory/);
  });

  it('whiteouts and opaque folders hide what they hide', () => {
    const t = mergeLayers([
      [file('a/one'), file('a/two'), file('keep/x'), file('gone')],
      [file('a/.wh..wh..opq'), file('a/three'), file('.wh.gone')],
    ]);
    assert.match(at(t, 'a/one'), /^not-found/);
    assert.strictEqual(at(t, 'a/three'), 'file:/a/three@1');
    assert.match(at(t, 'gone'), /^not-found/);
    assert.strictEqual(at(t, 'keep/x'), 'file:/keep/x@0');
  });

  it("a hard link's data is its target's, in the link's own layer; a chain or a loop of links ends", () => {
    const entries: LayerEntry[] = [file('bin/busybox', 900), { path: 'bin/sh', type: 'hardlink', size: 0, mode: 0o755, linkname: '/bin/busybox' }, { path: 'x', type: 'hardlink', size: 0, mode: 0, linkname: 'bin/sh' }];
    assert.strictEqual(hardLinkTarget(entries, '/bin/busybox')?.size, 900);
    assert.strictEqual(hardLinkTarget(entries, 'bin/sh')?.path, 'bin/busybox');
    const loop: LayerEntry[] = [{ path: 'p', type: 'hardlink', size: 0, mode: 0, linkname: 'q' }, { path: 'q', type: 'hardlink', size: 0, mode: 0, linkname: 'p' }];
    assert.strictEqual(hardLinkTarget(loop, 'p'), undefined);
  });
});
