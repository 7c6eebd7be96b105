// The Images view on the built-in store seeded with the sample images (sample/base:1.0 with layers L1-L3,
// sample/app:1.0 and :latest with L1-L4), as a user would see and arrange it.
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import * as net from 'net';
import * as vscode from 'vscode';
import { writeDockerSaveArchive, SAMPLE_LAYERS } from '../fixtures/archives';
import { api, imageNode, layerRows, text, treeShape, waitFor } from './api';
import { formatBytes } from '../../src/core/format';
import type { LayerNode } from '../../src/ui/tree/images-tree';

describe('Images view', function () {
  this.timeout(30_000);

  before(async () => {
    const a = await api();
    const backend = await a.backend();
    assert.strictEqual(backend.kind, 'builtin', 'the test workspace uses the built-in store');
    a.refresh();
  });

  afterEach(async () => {
    const a = await api();
    await a.options.setFilter('');
    for (const key of ['groupBy', 'sortBy', 'showDangling']) {
      await vscode.workspace.getConfiguration('imageLayers.images').update(key, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('groups the images by repository, a node per tag', async () => {
    const a = await api();
    const shape = await treeShape(a);
    const app = shape.find(([name]) => name === 'sample/app');
    const base = shape.find(([name]) => name === 'sample/base');
    assert.deepStrictEqual(app?.[1].sort(), ['1.0', 'latest']);
    assert.deepStrictEqual(base?.[1], ['1.0']);
    // Two tags of one image, counted as `docker images` and `docker system df` count them.
    const groups = await a.images.getChildren();
    const describe = (name: string) => text(groups.map((g) => a.images.getTreeItem(g)).find((i) => text(i.label) === name)?.description);
    assert.strictEqual(describe('sample/app'), '2 tags, 1 image');
    assert.strictEqual(describe('sample/base'), '1 image');
  });

  it('shows each image with its size, age and short ID', async () => {
    const a = await api();
    const node = await imageNode(a, 'sample/app:1.0');
    const item = a.images.getTreeItem(node);
    const description = text(item.description);
    assert.match(description, new RegExp(`^\\d+(\\.\\d+)?k?B · .* ago · ${node.summary.Id.slice(7, 19)}$`));
  });

  it('lists layers bottom to top, marks the ones sample/base shares, dims empty steps', async () => {
    const a = await api();
    const rows = await waitFor('sharing marks', async () => {
      const r = await layerRows(a, await imageNode(a, 'sample/app:1.0'));
      return r.some((i) => text(i.description).includes('shared')) ? r : undefined;
    });
    const layers = rows.filter((r) => r.contextValue?.startsWith('layer'));
    const empty = rows.filter((r) => r.contextValue === 'step.empty');
    assert.strictEqual(layers.length, 4, 'four layers');
    assert.match(text(layers[0].description), /ADD rootfs\.tar \/$/, 'the base layer comes first');
    assert.strictEqual(text(layers[3].description), 'COPY app /app', 'its own layer: the step alone');
    for (const shared of layers.slice(0, 3)) assert.match(text(shared.description), /^shared by 2 · /);
    // Each layer's label is its size and its share of the image's size, as the store states both.
    const node = await imageNode(a, 'sample/app:1.0');
    const steps = (await a.images.getChildren(node)).filter((n): n is LayerNode => n.type === 'layer' && !n.step.empty);
    steps.forEach((n, i) => {
      const share = n.step.size / node.summary.Size;
      const pct = share < 0.01 ? '<1%' : `${Math.round(share * 100)}%`;
      assert.strictEqual(text(layers[i].label), `${formatBytes(n.step.size)} · ${pct}`);
    });
    assert.strictEqual(text(layers[3].label), '12.7kB · 71%', 'the app layer: 12.7 kB of the image\'s 17.8 kB');
    assert.ok(empty.length >= 3, 'ENV, WORKDIR, CMD… steps are listed');
    assert.ok(empty.every((e) => text(e.label) === '' && text(e.description).length > 0), 'empty steps are dimmed');
    assert.ok(!rows.some((r) => /#\(nop\)|# buildkit/.test(text(r.label) + text(r.description))), 'no shell noise');
  });

  it('sorts by size and by name', async () => {
    const a = await api();
    await a.options.set('sortBy', 'size');
    await a.options.set('groupBy', 'none');
    let seen: unknown;
    const bySize = await waitFor('sorted by size', async () => {
      const s = await treeShape(a);
      seen = { shape: s, options: a.options.get() };
      return s.length === 1 && s[0][1][0].startsWith('sample/app') ? s : undefined;
    }).catch((e) => {
      throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(seen)}`);
    });
    assert.strictEqual(bySize[0][1].at(-1), 'sample/base:1.0');
    await a.options.set('sortBy', 'name');
    const byName = await waitFor('sorted by name', async () => {
      const s = await treeShape(a);
      return s[0][1][0] === 'sample/app:1.0' && s[0][1].includes('sample/base:1.0') ? s : undefined;
    });
    assert.deepStrictEqual(byName[0][1].filter((n) => n.startsWith('sample/')), ['sample/app:1.0', 'sample/app:latest', 'sample/base:1.0']);
  });

  it('filters by text and remembers the filter', async () => {
    const a = await api();
    await a.options.setFilter('base');
    const shape = await treeShape(a);
    assert.deepStrictEqual(shape, [['sample/base', ['1.0']]]);
    assert.strictEqual(a.options.get().filter, 'base');
  });

  it('shows a dangling image under <none>, and hides it on request', async () => {
    const a = await api();
    const backend = await a.backend();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-suite-'));
    const archive = path.join(dir, 'dangling.tar');
    const { ids } = await writeDockerSaveArchive(archive, [{ tags: [], layers: [SAMPLE_LAYERS.L1, { files: [{ path: 'x', content: 'dangling' }] }] }]);
    try {
      await backend.capabilities.archive!.loadArchive(archive);
      a.refresh();
      const shape = await treeShape(a);
      const none = shape.find(([name]) => name === '<none>');
      assert.deepStrictEqual(none?.[1], [ids[0].slice(7, 19)]);
      await a.options.set('showDangling', false);
      const hidden = await waitFor('dangling hidden', async () => {
        const s = await treeShape(a);
        return s.every(([name]) => name !== '<none>') ? s : undefined;
      });
      assert.ok(hidden.length >= 2);
    } finally {
      await backend.capabilities.manage!.removeImage(ids[0], { force: true }).catch(() => undefined);
      a.refresh();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says so on the rows when the history cannot tell which step made which layer', async () => {
    const a = await api();
    const backend = await a.backend();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-suite-'));
    const archive = path.join(dir, 'short-history.tar');
    // Two layers and one history row: which layer the row made, nothing says.
    const layers = [{ files: [{ path: 'a', content: 'a' }] }, { files: [{ path: 'b', content: 'b' }] }];
    const { ids } = await writeDockerSaveArchive(archive, [{ tags: ['suite/short-history:1'], layers, history: [{ created_by: 'ADD rootfs.tar /' }] }]);
    try {
      await backend.capabilities.archive!.loadArchive(archive);
      a.refresh();
      const rows = await layerRows(a, await waitFor('the loaded image', () => a.images.findImage('suite/short-history:1')));
      assert.strictEqual(rows.length, 2, 'both layers show');
      for (const r of rows) {
        assert.match(text(r.description), / · step uncertain$/);
        assert.match((r.tooltip as vscode.MarkdownString).value, /does not say which/);
      }
    } finally {
      await backend.capabilities.manage!.removeImage(ids[0], { force: true }).catch(() => undefined);
      a.refresh();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refreshes by itself when the store changes, as it would for a second window or the command line', async () => {
    const a = await api();
    const backend = await a.backend();
    await backend.capabilities.manage!.tagImage('sample/base:1.0', 'sample/base', 'watched');
    try {
      const shape = await waitFor('the new tag without a manual refresh', async () => {
        const s = await treeShape(a);
        return s.find(([name, tags]) => name === 'sample/base' && tags.includes('watched')) ? s : undefined;
      }, 15_000);
      assert.ok(shape.length >= 2);
    } finally {
      await backend.capabilities.manage!.removeImage('sample/base:watched').catch(() => undefined);
    }
  });

  it('lists every layer in the Layers view with the images that use it, largest first', async () => {
    const a = await api();
    const roots = await a.layers.getChildren();
    const items = roots.map((r) => a.layers.getTreeItem(r));
    assert.ok(items.length >= 4);
    const base = roots.find((r, i) => text(items[i].description).startsWith('shared by 2 · '));
    assert.ok(base, 'a layer used by both samples');
    const users = (await a.layers.getChildren(base)).map((u) => text(a.layers.getTreeItem(u).label)).sort();
    assert.strictEqual(users.length, 2);
    assert.match(users[0], /^sample\/app:(1\.0|latest)$/);
    assert.strictEqual(users[1], 'sample/base:1.0');
    // Hovering the layer tells what it is and who uses it; the rows are sent without it, made on hover.
    const baseItem = a.layers.getTreeItem(base);
    assert.strictEqual(baseItem.tooltip, undefined);
    const tooltip = (await a.layers.resolveTreeItem(baseItem, base)).tooltip as vscode.MarkdownString;
    // As the markdown shows: plain-text spaces are written as &nbsp; and punctuation escaped.
    const shown = tooltip.value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
    assert.match(shown, /Diff ID: sha256:[0-9a-f]{64}/);
    assert.match(shown, /Shared by 2 images:[\s\S]*sample\/base:1\.0/);
  });

  it('shows the backend and its totals in the Storage view', async () => {
    const a = await api();
    const rows = await a.storage.getChildren();
    const value = (label: string) => text(rows.find((r) => text(r.label) === label)?.description);
    assert.match(value('Backend'), /^builtin/);
    assert.strictEqual(value('Images'), '2');
    assert.match(value('Shared'), /\d/);
    assert.notStrictEqual(value('Shared'), '0B', 'L1-L3 are shared');
  });
});

describe('Images view after an engine that never answers', function () {
  this.timeout(30_000);
  const config = () => vscode.workspace.getConfiguration('imageLayers');

  it('shows the built-in store at once when the user switches back, without waiting for the engine', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-hang-'));
    const socket = path.join(dir, 'hang.sock');
    // Accepts connections and reads requests, but never says a word back.
    const server = net.createServer((conn) => conn.on('data', () => undefined));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const a = await api();
    try {
      await config().update('dockerHost', `unix://${socket}`, vscode.ConfigurationTarget.Workspace);
      await config().update('backend', 'docker', vscode.ConfigurationTarget.Workspace);
      await waitFor('the engine backend', async () => ((await a.backend()).kind !== 'builtin' ? true : undefined));
      a.refresh();
      // A listing that waits on the engine (the test does not wait for it here).
      const stuck = a.images.getChildren();
      await new Promise((r) => setTimeout(r, 300));
      await config().update('dockerHost', undefined, vscode.ConfigurationTarget.Workspace);
      await config().update('backend', 'builtin', vscode.ConfigurationTarget.Workspace);
      await waitFor('the built-in store again', async () => ((await a.backend()).kind === 'builtin' ? true : undefined));
      const started = Date.now();
      await stuck;
      const shape = await treeShape(a);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.ok(shape.some(([name]) => name === 'sample/app'), `the tree shows ${JSON.stringify(shape)}`);
    } finally {
      await config().update('dockerHost', undefined, vscode.ConfigurationTarget.Workspace);
      await config().update('backend', 'builtin', vscode.ConfigurationTarget.Workspace);
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
