// The sentence a user sees for anything thrown: the same in a tree, a panel, a notification and the CLI.
import * as assert from 'assert';
import { BackendError, userMessage } from '../../src/backend/backend';

describe('the user message of anything thrown', () => {
  it('is the sentence itself: no class name in front, no "[object Object]", no stack', () => {
    assert.strictEqual(userMessage(new BackendError('not-found', 'No such image: x:latest')), 'No such image: x:latest');
    assert.strictEqual(userMessage(new TypeError('Cannot read the layer.')), 'Cannot read the layer.');
    // What some libraries reject with: an object that carries a message but is no Error.
    assert.strictEqual(userMessage({ message: 'socket hang up', code: 'ECONNRESET' }), 'socket hang up');
    assert.strictEqual(userMessage('The engine went away.'), 'The engine went away.');
  });

  it('says something when what was thrown says nothing', () => {
    for (const thrown of [undefined, null, 42, {}, new Error(''), '  ']) {
      assert.strictEqual(userMessage(thrown, 'No answer.'), 'No answer.', String(thrown));
      assert.ok(userMessage(thrown).length > 10);
    }
  });
});
