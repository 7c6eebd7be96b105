// Inspect, History and Compare open as editor tabs on the images a user picked, and a dead engine is a message,
// not a storm.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, imageNode, waitFor, tabLabels } from './api';

describe('Inspect, History and Compare', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens Inspect for the image node the user clicked', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.inspectImage', await imageNode(a, 'sample/app:1.0'));
    await waitFor('the Inspect tab', () => tabLabels().includes('Inspect sample/app:1.0'));
  });

  it('opens History from a reference, and reuses the tab when asked again', async () => {
    await vscode.commands.executeCommand('imageLayers.showHistory', 'sample/base:1.0');
    await vscode.commands.executeCommand('imageLayers.showHistory', 'sample/base:1.0');
    await waitFor('the History tab', () => tabLabels().includes('History sample/base:1.0'));
    assert.strictEqual(tabLabels().filter((l) => l === 'History sample/base:1.0').length, 1);
  });

  it('compares two images in one tab, from two images selected in the tree or two names', async () => {
    const a = await api();
    const app = await imageNode(a, 'sample/app:1.0');
    const base = await imageNode(a, 'sample/base:1.0');
    await vscode.commands.executeCommand('imageLayers.compareImages', app, [app, base]);
    await waitFor('the Compare tab', () => tabLabels().includes('Compare sample/app:1.0 \u2194 sample/base:1.0'));
    await vscode.commands.executeCommand('imageLayers.compareImages', 'sample/app:1.0', 'sample/base:1.0');
    assert.strictEqual(tabLabels().filter((l) => l.startsWith('Compare ')).length, 1, 'the same pair reuses its tab');
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

  it('in docker mode with no engine, shows one clear message in the view and no list', async () => {
    const a = await api();
    await config().update('dockerHost', dead, vscode.ConfigurationTarget.Workspace);
    await config().update('backend', 'docker', vscode.ConfigurationTarget.Workspace);
    await waitFor('the engine backend', async () => ((await a.backend()).kind !== 'builtin' ? true : undefined));
    a.refresh();
    const roots = await a.images.getChildren();
    assert.deepStrictEqual(roots, [], 'the welcome view shows instead of nodes');
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
