// An empty built-in store shows the welcome view; Load Sample Images fills it with the two samples.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, treeShape, waitFor } from './api';

describe('an empty store', function () {
  this.timeout(30_000);
  const config = () => vscode.workspace.getConfiguration('imageLayers');
  let original: string | undefined;
  let dir: string;

  // Set in the user's settings (and the workspace's, which the test workspace also sets): a path that only a
  // workspace sets would wait for the user's consent.
  let originalWorkspace: string | undefined;
  before(async () => {
    original = config().inspect<string>('storePath')?.globalValue;
    originalWorkspace = config().inspect<string>('storePath')?.workspaceValue;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-empty-'));
    await config().update('storePath', path.join(dir, 'store'), vscode.ConfigurationTarget.Global);
    await config().update('storePath', path.join(dir, 'store'), vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the empty store', async () => ((await a.backend()).kind === 'builtin' && (await a.images.getChildren()).length === 0 ? true : undefined));
  });

  after(async () => {
    await config().update('storePath', original, vscode.ConfigurationTarget.Global);
    await config().update('storePath', originalWorkspace, vscode.ConfigurationTarget.Workspace);
    const a = await api();
    await waitFor('the sample store again', async () => ((await a.images.getChildren()).length > 0 ? true : undefined));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows no nodes, so the welcome view with its buttons shows', async () => {
    const a = await api();
    a.refresh();
    assert.deepStrictEqual(await a.images.getChildren(), []);
    assert.strictEqual(a.imagesView.message, undefined, 'no error message over the welcome view');
  });

  it('Load Sample Images loads the two samples that share layers', async () => {
    const a = await api();
    await vscode.commands.executeCommand('imageLayers.loadSamples');
    const shape = await waitFor('the samples', async () => {
      const s = await treeShape(a);
      return s.length >= 2 ? s : undefined;
    });
    assert.deepStrictEqual(
      shape.map(([name, tags]) => [name, [...tags].sort()]),
      [
        ['sample/app', ['1.0', 'latest']],
        ['sample/base', ['1.0']],
      ],
    );
    assert.ok(fs.existsSync(path.join(dir, 'store', 'image')), 'written into the configured store folder');
  });
});

describe('a store folder named only by the workspace', function () {
  this.timeout(30_000);
  const config = () => vscode.workspace.getConfiguration('imageLayers');
  let original: string | undefined;
  let dir: string;

  before(() => {
    original = config().inspect<string>('storePath')?.workspaceValue;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-cloned-'));
  });

  after(async () => {
    await config().update('storePath', original, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is not opened until the user agrees: the views stay on the user’s own store, and the folder stays untouched', async () => {
    const a = await api();
    const shown = async () => (await treeShape(a)).map(([name]) => name).filter((n) => n.startsWith('sample/'));
    assert.deepStrictEqual(await shown(), ['sample/app', 'sample/base']);
    // The setting's change reopens the backend at once (before update() returns); what it opened is the user's store.
    await config().update('storePath', path.join(dir, 'store'), vscode.ConfigurationTarget.Workspace);
    await a.backend();
    a.refresh();
    assert.deepStrictEqual(await shown(), ['sample/app', 'sample/base']);
    assert.deepStrictEqual(fs.readdirSync(dir), [], 'nothing written into the workspace’s folder');
  });
});
