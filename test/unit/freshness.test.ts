import * as assert from 'assert';
import { freshness } from '../../src/core/freshness';
import { parseReference } from '../../src/core/reference';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);

describe('is the local image what the registry serves', () => {
  it('is up to date when a RepoDigest of that repository matches', () => {
    assert.strictEqual(freshness([`nginx@${A}`], parseReference('nginx:1.25')!, A), 'up-to-date');
    assert.strictEqual(freshness([`docker.io/library/nginx@${A}`], parseReference('nginx')!, A), 'up-to-date');
  });

  it('is outdated when the repository is known but its digest differs', () => {
    assert.strictEqual(freshness([`127.0.0.1:5000/app@${A}`], parseReference('127.0.0.1:5000/app:1')!, B), 'outdated');
  });

  it('cannot tell for an image never pulled from that repository', () => {
    assert.strictEqual(freshness([], parseReference('nginx')!, A), 'unknown');
    assert.strictEqual(freshness([`other/app@${A}`], parseReference('nginx')!, A), 'unknown');
  });
});
