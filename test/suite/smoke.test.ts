// The extension loads in a real VS Code: it is installed, activates, and contributes its commands.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'image-layers.image-layers';

describe('smoke', () => {
  it('is installed under its publisher.name', () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} is not among the loaded extensions`);
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers its commands', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of ['imageLayers.refresh', 'imageLayers.inspectImage', 'imageLayers.showHistory', 'imageLayers.switchBackend']) {
      assert.ok(all.has(id), `command ${id} is not registered`);
    }
  });
});
