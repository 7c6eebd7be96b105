// Where dive takes an image from: the argument's scheme first, then --source, else this command's own rule.
import * as assert from 'assert';
import { diveSource } from '../../src/core/dive-source';

describe("dive's image sources", () => {
  it('reads the scheme of the argument as dive does, over --source', () => {
    assert.deepStrictEqual(diveSource('docker-archive://build/app.tar'), { kind: 'archive', path: 'build/app.tar' });
    assert.deepStrictEqual(diveSource('docker-tar:///abs/app.tar', 'docker'), { kind: 'archive', path: '/abs/app.tar' });
    assert.deepStrictEqual(diveSource('docker://app:1', 'docker-archive'), { kind: 'engine', engine: 'docker', image: 'app:1' });
    assert.deepStrictEqual(diveSource('podman://localhost/app:1'), { kind: 'engine', engine: 'podman', image: 'localhost/app:1' });
  });

  it('takes --source for a plain argument, and leaves an unknown scheme in the name', () => {
    assert.deepStrictEqual(diveSource('app.tar', 'docker-archive'), { kind: 'archive', path: 'app.tar' });
    assert.deepStrictEqual(diveSource('app:1', 'podman'), { kind: 'engine', engine: 'podman', image: 'app:1' });
    assert.deepStrictEqual(diveSource('app:1'), { kind: 'unsaid', image: 'app:1' });
    assert.deepStrictEqual(diveSource('oci://x'), { kind: 'unsaid', image: 'oci://x' });
    assert.throws(() => diveSource('app:1', 'oci'), /^Error: --source is docker, podman or docker-archive, not "oci"\.$/);
  });
});
