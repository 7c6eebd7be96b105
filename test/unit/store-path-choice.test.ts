import * as assert from 'assert';
import { chooseStorePath } from '../../src/ui/store-path-choice';

describe('Which store folder the extension opens', () => {
  it('takes a path from the user settings without asking', () => {
    assert.deepStrictEqual(chooseStorePath({ globalValue: '/home/me/store' }, undefined), { use: '/home/me/store' });
    assert.deepStrictEqual(chooseStorePath(undefined, undefined), { use: '' });
  });

  it('does not use a path from a workspace until the user agreed to it; meanwhile it opens the user’s own', () => {
    assert.deepStrictEqual(chooseStorePath({ workspaceValue: '/clone/store' }, undefined), { use: '', ask: '/clone/store' });
    assert.deepStrictEqual(chooseStorePath({ globalValue: '/home/me/store', workspaceFolderValue: '/clone/store' }, undefined), {
      use: '/home/me/store',
      ask: '/clone/store',
    });
  });

  it('remembers the answer for that path, and asks again when the workspace names another', () => {
    assert.deepStrictEqual(chooseStorePath({ workspaceValue: '/clone/store' }, { path: '/clone/store', allowed: true }), { use: '/clone/store' });
    assert.deepStrictEqual(chooseStorePath({ globalValue: '/mine', workspaceValue: '/clone/store' }, { path: '/clone/store', allowed: false }), { use: '/mine' });
    assert.deepStrictEqual(chooseStorePath({ workspaceValue: '/other' }, { path: '/clone/store', allowed: true }), { use: '', ask: '/other' });
  });

  it('needs no answer when the workspace names the same folder as the user settings', () => {
    assert.deepStrictEqual(chooseStorePath({ globalValue: '/s', workspaceValue: '/s' }, undefined), { use: '/s' });
  });
});
