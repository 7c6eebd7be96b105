// Inspect, History and Compare open as editor tabs on the images a user picked and show them (read from the page
// itself); a refresh updates a page in place; a dead engine is a message, not a storm.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, imageNode, panelShowing, text, waitFor, tabLabels } from './api';

describe('Inspect, History and Compare', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens Inspect for the image node the user clicked', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.inspectImage', await imageNode(a, 'sample/app:1.0'));
    await waitFor('the Inspect tab', () => tabLabels().includes('Inspect sample/app:1.0'));
    const id = (await (await a.catalog()).inspect('sample/app:1.0')).Id;
    const shown = await panelShowing(a, 'Inspect sample/app:1.0', /^ID\s+sha256:/m);
    assert.match(shown.text, new RegExp(`^ID\\s+${id}$`, 'm'), 'the ID row names the image');
    assert.match(shown.text, /^Tags\s+sample\/app:1\.0$/m);
    assert.match(shown.text, /^Layers\s+4$/m, 'the layer count, without the RootFS type every image has');
    assert.deepStrictEqual(shown.state, { kind: 'inspect', ref: 'sample/app:1.0' }, 'the page keeps what it shows for a reload');
  });

  it('shows a refresh in place: a new tag appears, the page, its scroll position and its state stay', async () => {
    const a = await api();
    const backend = await a.backend();
    await vscode.commands.executeCommand('imageLayers.inspectImage', 'sample/app:1.0');
    const before = await panelShowing(a, 'Inspect sample/app:1.0', /^Tags\s+sample\/app:1\.0$/m);
    const scrolled = await a.probePanel('Inspect sample/app:1.0', { scrollTo: 150 });
    assert.strictEqual(scrolled?.scrollY, 150, 'the JSON makes the page long enough to scroll');
    await backend.capabilities.manage!.tagImage('sample/app:1.0', 'sample/app', 'panel-refresh');
    try {
      a.refresh();
      const after = await panelShowing(a, 'Inspect sample/app:1.0', /sample\/app:panel-refresh/);
      assert.strictEqual(after.pageId, before.pageId, 'the same page, not new HTML');
      assert.ok(after.renders > before.renders, 'the page rendered the new content');
      // Not back at the top: the browser's scroll anchoring even moves down by the tag row added above the view.
      assert.ok(after.scrollY >= 150, `the reader stays where they were (scrollY ${after.scrollY})`);
      assert.deepStrictEqual(after.state, before.state);
    } finally {
      await backend.capabilities.manage!.removeImage('sample/app:panel-refresh');
      a.refresh();
    }
    await panelShowing(a, 'Inspect sample/app:1.0', /^Tags\s+sample\/app:1\.0$/m);
  });

  it('opens History from a reference, and reuses the tab when asked again', async () => {
    await vscode.commands.executeCommand('imageLayers.showHistory', 'sample/base:1.0');
    await vscode.commands.executeCommand('imageLayers.showHistory', 'sample/base:1.0');
    await waitFor('the History tab', () => tabLabels().includes('History sample/base:1.0'));
    assert.strictEqual(tabLabels().filter((l) => l === 'History sample/base:1.0').length, 1);
    const shown = await panelShowing(await api(), 'History sample/base:1.0', /ADD rootfs\.tar/);
    assert.doesNotMatch(shown.text, /COPY app \/app/, "the app's own step is not the base's");
    assert.deepStrictEqual(shown.state, { kind: 'history', ref: 'sample/base:1.0' });
  });

  it('compares two images in one tab, from two images selected in the tree or two names', async () => {
    const a = await api();
    const app = await imageNode(a, 'sample/app:1.0');
    const base = await imageNode(a, 'sample/base:1.0');
    await vscode.commands.executeCommand('imageLayers.compareImages', app, [app, base]);
    await waitFor('the Compare tab', () => tabLabels().includes('Compare sample/app:1.0 \u2194 sample/base:1.0'));
    await vscode.commands.executeCommand('imageLayers.compareImages', 'sample/app:1.0', 'sample/base:1.0');
    assert.strictEqual(tabLabels().filter((l) => l.startsWith('Compare ')).length, 1, 'the same pair reuses its tab');
    const shown = await panelShowing(a, 'Compare sample/app:1.0 \u2194 sample/base:1.0', /alike$/m);
    assert.match(shown.text, /^Layers 1–3 are shared \(\S+, stored once for both\)\. sample\/base:1\.0 has no other layer; sample\/app:1\.0 adds 1 layer on top \(12\.7kB\)\.$/m);
    assert.match(shown.text, /^\d+ only in sample\/app:1\.0 .* 1 only in sample\/base:1\.0 \(17B\)/m, 'the files: sample.conf, removed in the app');
    assert.deepStrictEqual(shown.state, { kind: 'compare', a: 'sample/app:1.0', b: 'sample/base:1.0' });
  });

  it('says in the panel when the image is not there', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.showHistory', 'sample/nothing:here');
    const shown = await panelShowing(a, 'History sample/nothing:here', /No such image: sample\/nothing:here/);
    assert.doesNotMatch(shown.text, /at .*\.js:\d+/, 'no stack trace');
  });

  it('reveals an image in the Images view', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.revealImage', 'sample/base:1.0');
    const selected = await waitFor('a selection', () => (a.imagesView.selection.length ? a.imagesView.selection : undefined));
    assert.strictEqual((selected[0] as { repoTag?: string }).repoTag, 'sample/base:1.0');
  });
});

describe('backend choice', function () {
  this.timeout(30_000);
  const config = () => vscode.workspace.getConfiguration('imageLayers');
  const dead = 'unix:///nonexistent/image-layers-test.sock';

  after(async () => {
    await config().update('dockerHost', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'builtin', vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the built-in store again', async () => ((await a.backend()).kind === 'builtin' ? true : undefined));
  });

  it('in docker mode with no engine, shows one clear message in the view and the ways out, no list', async () => {
    const a = await api();
    await config().update('dockerHost', dead, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'docker', vscode.ConfigurationTarget.Workspace);
    await waitFor('the engine backend', async () => ((await a.backend()).kind !== 'builtin' ? true : undefined));
    a.refresh();
    const roots = await a.images.getChildren();
    const offered = roots.map((r) => a.images.getTreeItem(r)).map((i) => [text(i.label), i.command?.command]);
    assert.deepStrictEqual(offered, [
      ['Retry', 'imageLayers.refresh'],
      ['Use Built-in Store', 'imageLayers.useBuiltinStore'],
      ['Choose Engine…', 'imageLayers.switchBackend'],
    ]);
    await waitFor('the message', () => a.imagesView.message);
    assert.match(a.imagesView.message ?? '', /nonexistent\/image-layers-test\.sock/);
    assert.doesNotMatch(a.imagesView.message ?? '', /at .*\.js:\d+/, 'no stack trace');
  });

  it('in auto mode with no engine, falls back to the built-in store', async () => {
    const a = await api();
    await config().update('dockerHost', dead, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'auto', vscode.ConfigurationTarget.Workspace);
    const backend = await waitFor('a backend', async () => {
      const b = await a.backend();
      return config().get('backend') === 'auto' ? b : undefined;
    });
    assert.strictEqual(backend.kind, 'builtin');
    a.refresh();
    const roots = await a.images.getChildren();
    assert.ok(roots.length >= 2, 'the sample images show');
    await waitFor('the fallback note', () => (/built-in store/.test(a.imagesView.message ?? '') ? true : undefined));
  });
});

describe("Inspect's JSON", function () {
  this.timeout(30_000);
  const TITLE = 'Inspect sample/app:1.0';

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is a tree a search narrows to the matches, with the branches to them opened', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.inspectImage', 'sample/app:1.0');
    const before = await panelShowing(a, TITLE, /^Architecture: "amd64"$/m);
    assert.doesNotMatch(before.text, /^1: "LANG=C\.UTF-8"$/m, 'Config.Env starts folded');
    await a.probePanel(TITLE, { fill: { selector: '#json-search', value: 'lang=' } });
    const found = await panelShowing(a, TITLE, /^1 match$/m);
    assert.match(found.text, /^1: "LANG=C\.UTF-8"$/m, 'the match, its branch opened');
    assert.doesNotMatch(found.text, /^Architecture: /m, 'what does not match is out of the way');
    await a.probePanel(TITLE, { fill: { selector: '#json-search', value: '' } });
    const cleared = await panelShowing(a, TITLE, /^Architecture: "amd64"$/m);
    assert.doesNotMatch(cleared.text, /^1: "LANG=C\.UTF-8"$/m, 'the folding comes back');
  });

  it('copies a value and its path, and opens the whole JSON in a read-only json editor', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.inspectImage', 'sample/app:1.0');
    await panelShowing(a, TITLE, /^Architecture: "amd64"$/m);
    const env1 = `.jnode[data-path='["Config","Env",1]'] > .jactions > button`;
    await vscode.env.clipboard.writeText('');
    await a.probePanel(TITLE, { click: `${env1}[data-copy="path"]` });
    assert.strictEqual(await waitFor('the path copied', async () => (await vscode.env.clipboard.readText()) || undefined), '.Config.Env[1]');
    await vscode.env.clipboard.writeText('');
    await a.probePanel(TITLE, { click: `${env1}[data-copy="value"]` });
    assert.strictEqual(await waitFor('the value copied', async () => (await vscode.env.clipboard.readText()) || undefined), 'LANG=C.UTF-8');
    const labels = `.jnode[data-path='["Config","Labels","org.opencontainers.image.title"]'] > .jactions > button[data-copy="path"]`;
    await a.probePanel(TITLE, { click: labels });
    assert.strictEqual(
      await waitFor('the label path copied', async () => ((await vscode.env.clipboard.readText()).startsWith('.Config.Labels') ? vscode.env.clipboard.readText() : undefined)),
      '.Config.Labels["org.opencontainers.image.title"]',
    );

    await a.probePanel(TITLE, { click: '#open-json' });
    const editor = await waitFor('the JSON editor', () => (vscode.window.activeTextEditor?.document.uri.scheme === 'image-layers-inspect' ? vscode.window.activeTextEditor : undefined));
    assert.strictEqual(editor.document.languageId, 'json');
    const id = (await (await a.catalog()).inspect('sample/app:1.0')).Id;
    assert.strictEqual(JSON.parse(editor.document.getText()).Id, id);
    assert.ok(tabLabels().includes('app:1.0.json'), tabLabels().join(', '));
  });
});
