// The Layer Map: the images a user selected, or a whole repository, as columns of their layers; the three layers
// sample/app shares with sample/base drawn once; a click opens a layer's files; a new tag in a picked repository
// shows by itself.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { stepsOf } from '../../src/backend/catalog';
import { formatBytes } from '../../src/core/format';
import type { GroupNode } from '../../src/ui/tree/images-tree';
import { api, imageNode, panelShowing, tabLabels, waitFor } from './api';

const count = (text: string, what: string) => text.split(what).length - 1;

describe('Layer Map', function () {
  this.timeout(40_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('draws two images selected in the tree, their shared layers once, with the sizes of their history', async () => {
    const a = await api();
    const app = await imageNode(a, 'sample/app:1.0');
    const base = await imageNode(a, 'sample/base:1.0');
    await vscode.commands.executeCommand('imageLayers.showLayerMap', app, [app, base]);
    await waitFor('the Layer Map tab', () => tabLabels().includes('Layer Map'));
    const shown = await panelShowing(a, 'Layer Map', /^2 images, 4 layers/m);
    const catalog = await a.catalog();
    const sizes = async (ref: string) => stepsOf(await catalog.detailsOf((await catalog.inspect(ref)).Id)).filter((s) => s.layerIndex !== undefined).map((s) => s.size);
    const [appSizes, baseSizes] = [await sizes('sample/app:1.0'), await sizes('sample/base:1.0')];
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    assert.ok(
      shown.text.includes(`2 images, 4 layers: ${formatBytes(sum(appSizes))} stored once for images that add up to ${formatBytes(sum(appSizes) + sum(baseSizes))}.`),
      shown.text,
    );
    assert.strictEqual(count(shown.text, 'ADD rootfs.tar'), 1, 'the shared bottom layer is one cell, not one per image');
    assert.strictEqual(count(shown.text, 'COPY app /app'), 1);
    // The base left of the app built on it, each with its own total.
    const baseAt = shown.text.indexOf('sample/base:1.0');
    const appAt = shown.text.indexOf('sample/app:1.0');
    assert.ok(baseAt >= 0 && appAt > baseAt, shown.text);
    assert.match(shown.text, new RegExp(`sample/app:1\\.0\\s+\\w{12} · ${formatBytes(sum(appSizes)).replace('.', '\\.')} · 4 layers`));
    assert.deepStrictEqual(shown.state, { kind: 'layerMap', refs: ['sample/app:1.0', 'sample/base:1.0'], repos: [] });
  });

  it('shows a layer’s facts on hover and opens its files on a click', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.showLayerMap', 'sample/app:1.0');
    await panelShowing(a, 'Layer Map', /^1 image, 4 layers/m);
    const top = await a.probePanel('Layer Map', { hover: '.cell:last-child' });
    assert.match(top?.text ?? '', /^COPY app \/app$/m);
    assert.match(top?.text ?? '', /^Layer 4 · [\d.]+k?B · diff [0-9a-f]{12}$/m, top?.text);
    assert.match(top?.text ?? '', /^Used here by sample\/app:1\.0$/m);
    assert.doesNotMatch(top?.text ?? '', /^Among all images/m, 'the app alone uses its top layer');
    const bottom = await a.probePanel('Layer Map', { hover: '.cell:first-child' });
    assert.match(bottom?.text ?? '', /^ADD rootfs\.tar \/$/m);
    assert.match(bottom?.text ?? '', /^Among all images: shared by 2 images$/m, 'a layer the base uses too says so');
    await a.probePanel('Layer Map', { click: '.cell:last-child' });
    await waitFor('the Layer Files tab', () => tabLabels().includes('Layer Files sample/app:1.0'));
    await panelShowing(a, 'Layer Files sample/app:1.0', /^Changes in layer 4\. COPY app \/app/m);
  });

  it('draws a whole repository, and a tag added to it later by itself', async () => {
    const a = await api();
    const backend = await a.backend();
    const group = (await a.images.getChildren()).find((n) => n.type === 'group' && (n as GroupNode).name === 'sample/app');
    assert.ok(group, 'the sample/app repository node');
    await vscode.commands.executeCommand('imageLayers.showLayerMap', group, [group]);
    const before = await panelShowing(a, 'Layer Map', /^1 image, 4 layers/m);
    assert.deepStrictEqual(before.state, { kind: 'layerMap', refs: [], repos: ['sample/app'] });
    await backend.capabilities.manage!.tagImage('sample/base:1.0', 'sample/app', 'map-base');
    try {
      a.refresh();
      const after = await panelShowing(a, 'Layer Map', /^2 images, 4 layers/m);
      assert.match(after.text, /sample\/app:map-base/);
      assert.strictEqual(after.pageId, before.pageId, 'drawn again in the same page');
    } finally {
      await backend.capabilities.manage!.removeImage('sample/app:map-base');
      a.refresh();
    }
    await panelShowing(a, 'Layer Map', /^1 image, 4 layers/m);
  });
});
