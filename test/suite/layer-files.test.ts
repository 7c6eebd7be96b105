// Layer Files and Wasted Space: the panels open from the nodes a user clicks and show (read from the page itself)
// the numbers dive gives for the sample app (L4 removes etc/sample.conf, which L3 wrote); a removed image is said.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { imageEfficiency, LayerContentsCache, readImageLayers } from '../../src/backend/layer-contents';
import { findNode, layerTree, mergeLayers } from '../../src/core/filetree';
import { layerFilesBody, wasteBody } from '../../src/ui/webview/layer-files-view';
import { api, imageNode, loadImage, panelShowing, waitFor, tabLabels } from './api';

interface LayerLike {
  type: 'layer';
  step: { layerIndex?: number; createdBy: string };
}

describe('Layer Files and Wasted Space', function () {
  this.timeout(60_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the files of the layer the user clicked', async () => {
    const a = await api();
    const children = await a.images.getChildren(await imageNode(a, 'sample/app:1.0'));
    const layer = children.find((c) => (c as unknown as LayerLike).type === 'layer' && (c as unknown as LayerLike).step.layerIndex === 3);
    assert.ok(layer, 'the layer made by COPY app /app');
    assert.match((layer as unknown as LayerLike).step.createdBy, /COPY app \/app/);
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', layer);
    await waitFor('the Layer Files tab', () => tabLabels().includes('Layer Files sample/app:1.0'));
    const shown = await panelShowing(a, 'Layer Files sample/app:1.0', /^Changes in layer 4\. COPY app \/app/m);
    assert.match(shown.text, /^app\/$/m, 'the app folder it added');
    assert.match(shown.text, /^etc\/$/m, 'etc/, where its whiteout removed sample.conf');
    assert.deepStrictEqual(shown.state, { kind: 'layerFiles', ref: 'sample/app:1.0', layer: 3, merged: false });
  });

  it('moves an open panel to the layer asked for, and keeps that layer for a reload', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'sample/app:1.0');
    await panelShowing(a, 'Layer Files sample/app:1.0', /^Changes in layer 4\./m);
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'sample/app:1.0', 0);
    const shown = await panelShowing(a, 'Layer Files sample/app:1.0', /^Changes in layer 1\. ADD rootfs\.tar/m);
    assert.match(shown.text, /^bin\/$/m);
    assert.deepStrictEqual(shown.state, { kind: 'layerFiles', ref: 'sample/app:1.0', layer: 0, merged: false });
  });

  it('says so in Layer Files and Wasted Space when their image is removed', async () => {
    const a = await api();
    const backend = await a.backend();
    await backend.capabilities.manage!.tagImage('sample/app:1.0', 'sample/doomed', '1');
    try {
      await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'sample/doomed:1');
      await panelShowing(a, 'Layer Files sample/doomed:1', /^Changes in layer 4\./m);
      await vscode.commands.executeCommand('imageLayers.showWastedSpace', 'sample/doomed:1');
      await panelShowing(a, 'Wasted Space sample/doomed:1', /Efficiency score\s+99\.9/);
      await backend.capabilities.manage!.removeImage('sample/doomed:1');
      a.refresh();
      const waste = await panelShowing(a, 'Wasted Space sample/doomed:1', /sample\/doomed:1 is no longer among the images/);
      assert.doesNotMatch(waste.text, /Efficiency score/, 'no score for an image that is gone');
      // Layer Files is behind Wasted Space (its page unloaded): brought to the front, it says so too.
      await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'sample/doomed:1');
      await panelShowing(a, 'Layer Files sample/doomed:1', /sample\/doomed:1 is no longer among the images/);
    } finally {
      await backend.capabilities.manage!.removeImage('sample/doomed:1').catch(() => undefined);
      a.refresh();
    }
  });

  it('shows a link with its target spaced, and the legend of the marks only where there are marks', async () => {
    const a = await api();
    const TITLE = 'Layer Files sample/app:1.0';
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'sample/app:1.0', 1);
    let shown = await panelShowing(a, TITLE, /^Changes in layer 2\. COPY libsample/m);
    assert.match(shown.text, /^A added$/m, 'the layer adds files: the legend names that mark');
    assert.doesNotMatch(shown.text, /M modified|D removed/, 'and no mark the layer does not show');
    await a.probePanel(TITLE, { click: '#tree .row[data-path="usr"]' });
    await panelShowing(a, TITLE, /^lib\/$/m);
    await a.probePanel(TITLE, { click: '#tree .row[data-path="usr/lib"]' });
    shown = await panelShowing(a, TITLE, /libsample\.so →/);
    assert.match(shown.text, /^libsample\.so → libsample\.so\.1$/m);
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'sample/app:1.0', 3);
    shown = await panelShowing(a, TITLE, /^Changes in layer 4\./m);
    assert.match(shown.text, /^A added M modified D removed$/m, `an app layer that adds, changes (etc/) and removes: ${shown.text}`);
    await a.probePanel(TITLE, { click: '#merged' });
    shown = await panelShowing(a, TITLE, /^Merged filesystem as of layer 4\./m);
    assert.doesNotMatch(shown.text, /A added|D removed/, 'the merged view marks nothing: no legend');
  });

  it('opens from an image node too, and reuses the tab when asked again', async () => {
    const a = await api();
    const node = await imageNode(a, 'sample/base:1.0');
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', node);
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', node);
    await waitFor('the Layer Files tab', () => tabLabels().includes('Layer Files sample/base:1.0'));
    assert.strictEqual(tabLabels().filter((l) => l === 'Layer Files sample/base:1.0').length, 1);
  });

  it("shows L4's own changes: app files added, etc/sample.conf removed by its whiteout", async () => {
    const backend = await (await api()).backend();
    const inspect = await backend.inspectImage('sample/app:1.0');
    const layers = await readImageLayers(backend, 'sample/app:1.0', inspect.RootFS.Layers, new LayerContentsCache());
    const entries = layers.map((l) => l.entries);
    const own = layerTree(entries[3], mergeLayers(entries.slice(0, 3)));
    assert.strictEqual(findNode(own, 'app/data.bin')?.change, 'added');
    assert.strictEqual(findNode(own, 'etc/sample.conf')?.change, 'removed');
    assert.strictEqual(findNode(own, 'etc/sample.conf')?.size, 17);
    const merged = mergeLayers(entries);
    assert.strictEqual(findNode(merged, 'etc/sample.conf'), undefined, 'gone from the merged filesystem');
    assert.ok(findNode(merged, 'etc/os-release'));
    assert.strictEqual(findNode(merged, 'usr/lib/libsample.so')?.linkname, 'libsample.so.1');
  });

  it("measures sample/app:1.0's wasted space as dive does", async () => {
    const backend = await (await api()).backend();
    const r = await imageEfficiency(backend, 'sample/app:1.0', { cache: new LayerContentsCache() });
    // L1 os-release 42 + sh 960, L2 4096, L3 sample.conf 17, L4 server.js 2700 + data.bin 10000
    assert.strictEqual(r.sizeBytes, 17815);
    assert.deepStrictEqual(r.layerSizes, [1002, 4096, 17, 12700]);
    assert.strictEqual(r.wastedBytes, 17);
    assert.strictEqual(r.score, 17798 / 17815);
    assert.deepStrictEqual(
      r.inefficiencies.map((i) => [i.path, i.count, i.cumulativeSize, i.removed]),
      [['/etc/sample.conf', 2, 17, true]],
    );
    const base = await imageEfficiency(backend, 'sample/base:1.0');
    assert.strictEqual(base.score, 1);
    assert.strictEqual(base.wastedBytes, 0);
  });

  it('opens Wasted Space for an image', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.showWastedSpace', await imageNode(a, 'sample/app:1.0'));
    await waitFor('the Wasted Space tab', () => tabLabels().includes('Wasted Space sample/app:1.0'));
    const shown = await panelShowing(a, 'Wasted Space sample/app:1.0', /Efficiency score\s+99\.9 %/);
    // Its actions read the file as of layer 3, the last that had it before layer 4 removed it.
    assert.match(shown.text, /^2\s+17B\s+\/etc\/sample\.conf \(removed\)\s+3, 4\s+Open\s+Diff ↓\s+Copy path\s+Save…$/m, "dive's one offender");
    // dive's share is of every layer but the bottom one (17,815 B less layer 1's 1,002 B), not of a FROM image's.
    assert.match(shown.text, /^Potential wasted space\s+17B \(0\.1 % of the 16\.8kB in layers 2–4, above layer 1\)$/m);
    assert.deepStrictEqual(shown.state, { kind: 'wastedSpace', ref: 'sample/app:1.0' });
  });

  it('escapes names from strangers in the page it makes', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const step = { index: 0, layerIndex: 0, diffId: 'sha256:x', size: 1, createdBy: `RUN ${evil}`, created: 0, comment: '', empty: false };
    const page = layerFilesBody(`a/${evil}:1`, [step], 0).value;
    assert.ok(!page.includes('<img'), page);
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'));
    const waste = wasteBody(evil, {
      score: 0.5, sizeBytes: 2, userSizeBytes: 1, wastedBytes: 1, wastedUserPercent: 1, layerSizes: [1, 1],
      inefficiencies: [{ path: `/${evil}`, count: 2, layers: [0, 1], cumulativeSize: 1, removed: false }],
      truncated: [evil],
    }).value;
    assert.ok(!waste.includes('<img'), waste);
  });
});

describe('Layer Files of a big folder', function () {
  this.timeout(60_000);
  const TITLE = 'Layer Files paging/many:1';
  const NAMES = Array.from({ length: 1203 }, (_, i) => `f${String(i).padStart(4, '0')}`);
  let image: { remove(): Promise<void> } | undefined;

  before(async () => {
    const files = NAMES.map((n) => ({ path: `many/${n}`, content: n }));
    image = await loadImage(await api(), { tags: ['paging/many:1'], layers: [{ files }] });
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await image?.remove();
  });

  const fileRows = (text: string) => text.split('\n').filter((l) => /^f\d{4}$/.test(l.trim()));

  it('shows a folder 500 rows at a time, with the rest behind Show more, and filters every path', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'paging/many:1');
    await panelShowing(a, TITLE, /^1,203 entries · 1,203 files · 0 directories · 0 links · /m);
    await panelShowing(a, TITLE, /^many\/$/m);
    await a.probePanel(TITLE, { click: '#tree .row[data-dir="1"]' });
    let shown = await panelShowing(a, TITLE, /Show more \(703 left\)/);
    assert.deepStrictEqual(fileRows(shown.text), NAMES.slice(0, 500), 'the first 500, in name order');
    // Another tab over it drops its page; brought back, the folder is open again (its first rows) and the
    // reader where they were.
    const { scrollY } = (await a.probePanel(TITLE, { scrollTo: 4000 }))!;
    assert.ok(scrollY > 3000, `scrolled down (${scrollY})`);
    await new Promise((r) => setTimeout(r, 400)); // the page keeps the position a moment after the last scroll
    await vscode.commands.executeCommand('imageLayers.inspectImage', 'sample/app:1.0');
    await panelShowing(a, 'Inspect sample/app:1.0', /^ID\s/m);
    await vscode.commands.executeCommand('imageLayers.showLayerFiles', 'paging/many:1');
    const back = await waitFor('the folder open again', async () => {
      const p = await a.probePanel(TITLE);
      return p && p.pageId !== shown.pageId && /Show more \(703 left\)/.test(p.text) ? p : undefined;
    });
    assert.deepStrictEqual(fileRows(back.text), NAMES.slice(0, 500));
    assert.strictEqual(back.scrollY, scrollY, 'the same scroll position');
    await a.probePanel(TITLE, { click: '#tree button.more' });
    shown = await panelShowing(a, TITLE, /Show more \(203 left\)/);
    assert.deepStrictEqual(fileRows(shown.text), NAMES.slice(0, 1000));
    await a.probePanel(TITLE, { click: '#tree button.more' });
    shown = await waitFor('every row', async () => {
      const p = await a.probePanel(TITLE);
      return p && fileRows(p.text).length === NAMES.length ? p : undefined;
    });
    assert.doesNotMatch(shown.text, /Show more/);

    await a.probePanel(TITLE, { fill: { selector: '#filter', value: 'F11' } });
    shown = await panelShowing(a, TITLE, /^100 matches\.$/m);
    assert.deepStrictEqual(
      shown.text.split('\n').filter((l) => /f\d{4}/.test(l)).map((l) => l.trim()),
      NAMES.filter((n) => n.includes('f11')).map((n) => `/many/${n}`),
      'the matching paths, case-insensitive, in tree order',
    );
    await a.probePanel(TITLE, { fill: { selector: '#filter', value: 'f' } });
    shown = await panelShowing(a, TITLE, /^Showing 500 of 1,203 matches\.$/m);
    assert.strictEqual(shown.text.split('\n').filter((l) => /^\/many\/f\d{4}$/.test(l.trim())).length, 500, 'at most 500 matches sent');
  });
});
