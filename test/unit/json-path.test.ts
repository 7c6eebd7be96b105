import * as assert from 'assert';
import { copiedValue, formatJsonPath, parseJsonPath, valueAt } from '../../src/core/json-path';

describe('JSON paths', () => {
  const inspect = { Id: 'sha256:1', Config: { Env: ['PATH=/bin', 'LANG=C'], Labels: { 'org.opencontainers.image.title': 'x', 'a"b': 'q' } }, RootFS: { Layers: [] } };

  it('writes paths as jq does', () => {
    assert.strictEqual(formatJsonPath(['Config', 'Env', 0]), '.Config.Env[0]');
    assert.strictEqual(formatJsonPath(['Config', 'Labels', 'org.opencontainers.image.title']), '.Config.Labels["org.opencontainers.image.title"]');
    assert.strictEqual(formatJsonPath(['Config', 'Labels', 'a"b']), '.Config.Labels["a\\"b"]');
    assert.strictEqual(formatJsonPath(['a b']), '.["a b"]');
    assert.strictEqual(formatJsonPath([]), '.');
  });

  it('finds the value a path names, and nothing where it leads nowhere', () => {
    assert.strictEqual(valueAt(inspect, ['Config', 'Env', 1]), 'LANG=C');
    assert.strictEqual(valueAt(inspect, ['Config', 'Labels', 'org.opencontainers.image.title']), 'x');
    assert.strictEqual(valueAt(inspect, ['Config', 'Env', 2]), undefined);
    assert.strictEqual(valueAt(inspect, ['Config', 'constructor']), undefined, 'no prototype member');
    assert.strictEqual(valueAt(inspect, ['Config', 'Env', 'length']), undefined);
  });

  it('copies a string as it is and anything else as JSON', () => {
    assert.strictEqual(copiedValue('PATH=/bin'), 'PATH=/bin');
    assert.strictEqual(copiedValue(['a']), '[\n  "a"\n]');
    assert.strictEqual(copiedValue(3), '3');
  });

  it('takes from the page only paths of names and whole numbers', () => {
    assert.deepStrictEqual(parseJsonPath(['Config', 'Env', 0]), ['Config', 'Env', 0]);
    assert.strictEqual(parseJsonPath(['Config', 1.5]), undefined);
    assert.strictEqual(parseJsonPath([{}]), undefined);
    assert.strictEqual(parseJsonPath('Config'), undefined);
  });
});
