// At a glance in the side bar: a filter that matches nothing, rows that stay open across a filter, wasted bytes
// on the layer that wrote them, and the Storage view's parts on disk, on the built-in store.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, imageNode, layerRows, loadImage, text, treeShape, waitFor } from './api';

describe('At a glance', function () {
  this.timeout(30_000);

  afterEach(async () => (await api()).options.setFilter(''));

  it('says when a filter matches no image, and offers to clear it', async () => {
    const a = await api();
    await a.options.setFilter('no-such-image');
    const roots = await a.images.getChildren();
    const items = roots.map((r) => a.images.getTreeItem(r));
    assert.deepStrictEqual(items.map((i) => text(i.label)), ['No image matches "no-such-image"', 'Clear Filter']);
    assert.strictEqual(items[1].command?.command, 'imageLayers.clearFilter');
    await vscode.commands.executeCommand(items[1].command.command);
    const shape = await waitFor('the images again', async () => {
      const s = await treeShape(a);
      return s.some(([name]) => name === 'sample/app') ? s : undefined;
    });
    assert.strictEqual(a.options.get().filter, '');
    assert.ok(shape.length >= 2);
  });

  it('keeps the rows the user opened open when a filter hides them and is cleared', async () => {
    const a = await api();
    await a.imagesView.reveal(await imageNode(a, 'sample/app:1.0'), { expand: true });
    await a.options.setFilter('base');
    await waitFor('only sample/base', async () => ((await treeShape(a)).length === 1 ? true : undefined));
    await a.options.setFilter('');
    const node = await imageNode(a, 'sample/app:1.0');
    const open = vscode.TreeItemCollapsibleState.Expanded;
    assert.strictEqual(a.images.getTreeItem(node.parent!).collapsibleState, open, 'the group is open again');
    assert.strictEqual(a.images.getTreeItem(node).collapsibleState, open, 'the tag is open again');
  });

  it('marks the layer that wrote bytes a later layer removed, with the path and the step that hid them', async () => {
    const a = await api();
    const image = await loadImage(a, {
      tags: ['suite/wasteful:1'],
      layers: [
        { files: [{ path: 'etc/os-release', content: 'NAME=suite\n' }] },
        { files: [{ path: 'tmp/big.bin', content: Buffer.alloc(200_000, 0x61) }] },
        { files: [{ path: 'tmp/.wh.big.bin', content: '' }] },
      ],
      history: [{ created_by: 'ADD rootfs.tar /' }, { created_by: 'ADD big.bin /tmp/' }, { created_by: 'RUN rm /tmp/big.bin' }],
    });
    try {
      const node = await waitFor('the loaded image', () => a.images.findImage('suite/wasteful:1'));
      // The first listing does not wait for the marks; they arrive with the next one.
      const rows = await waitFor('the waste mark', async () => {
        const r = await layerRows(a, node);
        return r.some((i) => text(i.description).includes('wasted')) ? r : undefined;
      });
      const marked = rows.filter((r) => text(r.description).includes('wasted'));
      assert.strictEqual(marked.length, 1, 'one layer wasted bytes');
      assert.match(text(marked[0].description), /^200kB wasted · ADD big\.bin \/tmp\/$/);
      const tip = (marked[0].tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
      assert.match(tip, /200kB wasted/);
      assert.match(tip, /\/tmp\/big\.bin removed by layer 3 \(RUN rm \/tmp\/big\.bin\)/);
    } finally {
      await image.remove();
    }
  });

  it('shows the store\'s folders on disk as children of one row', async () => {
    const a = await api();
    const rows = await a.storage.getChildren();
    const onDisk = rows.find((r) => text(r.label) === 'On disk');
    assert.ok(onDisk, `rows: ${rows.map((r) => text(r.label)).join(', ')}`);
    assert.strictEqual(onDisk.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    const parts = await a.storage.getChildren(onDisk);
    assert.deepStrictEqual(parts.map((p) => text(p.label)), ['imagedb', 'layerdb', 'layers']);
    assert.ok(parts.every((p) => /\d/.test(text(p.description))));
    assert.ok(!rows.some((r) => text(r.label).startsWith(' ')), 'no row indented by spaces');
  });
});
