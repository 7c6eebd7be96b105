import * as assert from 'assert';
import {
  cleanPath,
  findNode,
  layerTree,
  mergeLayers,
  searchTree,
  sortedChildren,
  whiteoutOf,
  type FileTree,
  type LayerEntry,
} from '../../src/core/filetree';

const file = (path: string, size = 0, mode = 0o644): LayerEntry => ({ path, type: 'file', size, mode });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0, mode: 0o755 });
const symlink = (path: string, linkname: string): LayerEntry => ({ path, type: 'symlink', size: 0, mode: 0o777, linkname });
const hardlink = (path: string, linkname: string): LayerEntry => ({ path, type: 'hardlink', size: 0, mode: 0o644, linkname });

/** Every path in the tree, depth first by name, dirs marked with a trailing slash. */
function paths(tree: FileTree): string[] {
  const out: string[] = [];
  const visit = (n: ReturnType<typeof sortedChildren>[number]) => {
    out.push(n.type === 'dir' ? `${n.path}/` : n.path);
    for (const c of sortedChildren(n)) visit(c);
  };
  for (const c of sortedChildren(tree.root)) visit(c);
  return out;
}

describe('file tree: paths from strangers', () => {
  it('cleans tar names so that nothing climbs above the root', () => {
    assert.strictEqual(cleanPath('./etc/passwd'), 'etc/passwd');
    assert.strictEqual(cleanPath('/etc//passwd/'), 'etc/passwd');
    assert.strictEqual(cleanPath('../../etc/shadow'), 'etc/shadow');
    assert.strictEqual(cleanPath('a/b/../../../c'), 'c');
    assert.strictEqual(cleanPath('./'), '');
    assert.strictEqual(cleanPath('..'), '');
  });

  it('reads whiteouts: .wh.name removes name, .wh..wh..opq empties its directory', () => {
    assert.deepStrictEqual(whiteoutOf('etc/.wh.sample.conf'), { kind: 'whiteout', target: 'etc/sample.conf' });
    assert.deepStrictEqual(whiteoutOf('.wh.tmp'), { kind: 'whiteout', target: 'tmp' });
    assert.deepStrictEqual(whiteoutOf('var/cache/.wh..wh..opq'), { kind: 'opaque', dir: 'var/cache' });
    assert.deepStrictEqual(whiteoutOf('.wh..wh.plnk/1.2'), undefined, 'only the base name counts');
    assert.deepStrictEqual(whiteoutOf('.wh..wh.aufs'), { kind: 'meta' });
    assert.strictEqual(whiteoutOf('etc/passwd'), undefined);
  });
});

describe('file tree: merged filesystem', () => {
  it('makes the directories that file paths imply', () => {
    const t = mergeLayers([[file('usr/share/doc/readme', 10)]]);
    assert.deepStrictEqual(paths(t), ['usr/', 'usr/share/', 'usr/share/doc/', 'usr/share/doc/readme']);
    assert.strictEqual(findNode(t, 'usr/share')!.implied, true);
    assert.strictEqual(t.counts.entries, 1, 'implied directories are not entries');
    assert.strictEqual(findNode(t, 'usr')!.total, 10, 'directory sizes add up what is below');
  });

  it('a later layer replaces a file, and the size is the new one', () => {
    const t = mergeLayers([[dir('etc'), file('etc/app.conf', 100)], [file('etc/app.conf', 7)]]);
    assert.strictEqual(findNode(t, 'etc/app.conf')!.size, 7);
    assert.strictEqual(t.counts.bytes, 7);
    assert.strictEqual(findNode(t, 'etc')!.implied, false, 'the lower layer gave etc an entry of its own');
  });

  it('.wh.name removes the file, or the whole directory, the layers below put there', () => {
    const t = mergeLayers([
      [dir('etc'), file('etc/a', 1), file('etc/b', 2), dir('opt'), dir('opt/tool'), file('opt/tool/bin', 50)],
      [file('etc/.wh.a'), file('.wh.opt')],
    ]);
    assert.deepStrictEqual(paths(t), ['etc/', 'etc/b']);
  });

  it('.wh..wh..opq hides everything the layers below put in the directory, but keeps what its own layer adds', () => {
    const t = mergeLayers([
      [dir('var'), dir('var/cache'), file('var/cache/old1', 5), dir('var/cache/sub'), file('var/cache/sub/old2', 5), file('var/keep', 1)],
      [dir('var/cache'), file('var/cache/.wh..wh..opq'), file('var/cache/new', 3)],
    ]);
    assert.deepStrictEqual(paths(t), ['var/', 'var/cache/', 'var/cache/new', 'var/keep']);
  });

  it('a whiteout only hides lower layers: a file added back in the same layer stays', () => {
    const t = mergeLayers([[file('x', 1)], [file('.wh.x'), file('x', 2)]]);
    assert.strictEqual(findNode(t, 'x')!.size, 2);
  });

  it('a file replacing a directory drops the directory, and a directory over a directory keeps its children', () => {
    const t = mergeLayers([[dir('a'), file('a/inner', 4), dir('b'), file('b/kept', 1)], [file('a', 9), dir('b')]]);
    assert.deepStrictEqual(paths(t), ['a', 'b/', 'b/kept']);
  });

  it('keeps hard links and symlinks as entries with their targets, never following them', () => {
    const t = mergeLayers([[dir('usr'), file('usr/lib.so.1', 4096), symlink('usr/lib.so', 'lib.so.1'), hardlink('usr/copy', 'usr/lib.so.1'), symlink('escape', '../../../etc/shadow')]]);
    assert.strictEqual(findNode(t, 'usr/lib.so')!.type, 'symlink');
    assert.strictEqual(findNode(t, 'usr/lib.so')!.linkname, 'lib.so.1');
    assert.strictEqual(findNode(t, 'usr/copy')!.type, 'hardlink');
    assert.strictEqual(findNode(t, 'escape')!.linkname, '../../../etc/shadow');
    assert.strictEqual(t.counts.links, 3);
    assert.strictEqual(t.counts.files, 1);
  });
});

describe("file tree: a layer's own changes", () => {
  const L1 = [dir('etc'), file('etc/os-release', 41), dir('bin'), file('bin/sh', 960, 0o755)];
  const L2 = [dir('etc'), file('etc/sample.conf', 17)];
  const L3 = [dir('etc'), file('etc/.wh.sample.conf'), file('etc/os-release', 50), dir('app'), file('app/server.js', 2700)];

  it('marks each entry added or modified against the layers below, and whiteouts as removed with the size they hid', () => {
    const below = mergeLayers([L1, L2]);
    const t = layerTree(L3, below);
    assert.deepStrictEqual(paths(t), ['app/', 'app/server.js', 'etc/', 'etc/os-release', 'etc/sample.conf']);
    assert.strictEqual(findNode(t, 'app/server.js')!.change, 'added');
    assert.strictEqual(findNode(t, 'etc/os-release')!.change, 'modified');
    const removed = findNode(t, 'etc/sample.conf')!;
    assert.strictEqual(removed.change, 'removed');
    assert.strictEqual(removed.size, 17);
    assert.deepStrictEqual(
      { added: t.counts.added, modified: t.counts.modified, removed: t.counts.removed, removedBytes: t.counts.removedBytes },
      { added: 2, modified: 2, removed: 1, removedBytes: 17 },
    );
    assert.strictEqual(findNode(t, 'etc')!.total, 50, 'a removed file does not count in its directory');
  });

  it('without the layers below, every entry counts as added', () => {
    const t = layerTree(L1);
    assert.strictEqual(t.counts.added, 4);
    assert.strictEqual(t.counts.modified, 0);
  });

  it('a removed directory carries the total of what it held; an opaque directory is marked', () => {
    const below = mergeLayers([[dir('opt'), file('opt/a', 10), file('opt/b', 20), dir('var'), file('var/x', 1)]]);
    const t = layerTree([file('.wh.opt'), dir('var'), file('var/.wh..wh..opq')], below);
    const opt = findNode(t, 'opt')!;
    assert.strictEqual(opt.change, 'removed');
    assert.strictEqual(opt.type, 'dir');
    assert.strictEqual(opt.size, 30);
    assert.strictEqual(findNode(t, 'var')!.opaque, true);
    assert.strictEqual(findNode(t, 'var')!.change, 'modified');
  });

  it('implied directories are unchanged when they were there below, added when not', () => {
    const below = mergeLayers([[dir('usr'), file('usr/x', 1)]]);
    const t = layerTree([file('usr/local/bin/tool', 5)], below);
    assert.strictEqual(findNode(t, 'usr')!.change, 'unchanged');
    assert.strictEqual(findNode(t, 'usr/local')!.change, 'added');
  });
});

describe('file tree: search', () => {
  it('finds paths by substring, case-insensitively, capped, with the full count', () => {
    const t = mergeLayers([[file('a/README', 1), file('b/readme.md', 1), file('c/other', 1)]]);
    const r = searchTree(t, 'readme', 1);
    assert.strictEqual(r.total, 2);
    assert.deepStrictEqual(r.nodes.map((n) => n.path), ['a/README']);
  });

  it('handles a wide layer (100k entries) quickly', () => {
    const entries: LayerEntry[] = [];
    for (let i = 0; i < 100_000; i++) entries.push(file(`data/d${i % 100}/f${i}`, 1));
    const start = Date.now();
    const t = mergeLayers([entries]);
    const r = searchTree(t, 'f9999', 10);
    assert.strictEqual(t.counts.files, 100_000);
    assert.strictEqual(findNode(t, 'data')!.total, 100_000);
    assert.ok(r.total >= 1);
    assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
  });
});
