// The state VS Code hands back to a panel's serializer after a reload is whatever the page kept: it is read field
// by field, and anything not whole reopens nothing.
import * as assert from 'assert';
import { parsePanelState } from '../../src/ui/webview/protocol';

describe('panel state handed back after a reload', () => {
  it('brings back each kind of panel on what it showed', () => {
    assert.deepStrictEqual(parsePanelState({ kind: 'inspect', ref: 'sample/app:1.0' }), { kind: 'inspect', ref: 'sample/app:1.0' });
    assert.deepStrictEqual(parsePanelState({ kind: 'compare', a: 'x:1', b: 'y:2' }), { kind: 'compare', a: 'x:1', b: 'y:2' });
    assert.deepStrictEqual(parsePanelState({ kind: 'layerFiles', ref: 'x:1', layer: 0, merged: true }), { kind: 'layerFiles', ref: 'x:1', layer: 0, merged: true });
    assert.deepStrictEqual(parsePanelState({ kind: 'wastedSpace', ref: 'x:1', extra: '<script>' }), { kind: 'wastedSpace', ref: 'x:1' });
  });

  it('drops a layer that is not a position, and keeps the panel on its top layer', () => {
    for (const layer of [-1, 1.5, '2', null]) {
      assert.deepStrictEqual(parsePanelState({ kind: 'layerFiles', ref: 'x:1', layer }), { kind: 'layerFiles', ref: 'x:1', layer: undefined, merged: false });
    }
  });

  it('reopens nothing from a state that is missing, of another kind or without its image', () => {
    for (const state of [undefined, null, 'inspect', {}, { kind: 'shell', ref: 'x' }, { kind: 'inspect' }, { kind: 'inspect', ref: '' }, { kind: 'compare', a: 'x:1' }, { kind: 'history', ref: 7 }]) {
      assert.strictEqual(parsePanelState(state), undefined, JSON.stringify(state));
    }
  });
});
