// Activation loads what the first view needs and nothing else: commands, panels and hovers come from
// dist/features.js on first use, through stand-ins that pass their arguments on.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './api';

describe('activation', () => {
  it('leaves the features bundle unloaded until a command runs, and that command gets its arguments', async () => {
    const a = await api();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const features = path.join(ext.extensionPath, 'dist', 'features.js');
    assert.strictEqual(require.cache[features], undefined, 'dist/features.js was loaded by activation');
    assert.ok((await vscode.commands.getCommands(true)).includes('imageLayers.filter'), 'the filter command is not registered');

    await vscode.commands.executeCommand('imageLayers.filter', 'no-such-image-anywhere');
    try {
      assert.ok(require.cache[features], 'the first command did not load dist/features.js');
      assert.strictEqual(a.options.get().filter, 'no-such-image-anywhere');
      // The real command now answers under the same ID.
      await vscode.commands.executeCommand('imageLayers.clearFilter');
      assert.strictEqual(a.options.get().filter, '');
    } finally {
      await a.options.setFilter('');
    }
  });
});
