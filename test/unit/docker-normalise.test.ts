// The one place where Docker's and Podman's answers are made alike, and where engine failures become sentences:
// the answers below are shaped as dockerd 20.10 and podman 4.3 gave them here (docs/engines.md).
import * as assert from 'assert';
import { BackendError } from '../../src/backend/backend';
import { engineMessage, sentence, toBackendError } from '../../src/backend/docker/errors';
import { normaliseDiskUsage, normaliseHistory, normaliseId, normaliseInspect, normaliseSummary } from '../../src/backend/docker/normalise';

const HEX = 'a'.repeat(64);
const HEX2 = 'b'.repeat(64);

describe('engine answers made alike', () => {
  it('gives Podman IDs the sha256: Docker writes, and leaves <missing> and empty IDs alone', () => {
    assert.strictEqual(normaliseId(HEX), `sha256:${HEX}`);
    assert.strictEqual(normaliseId(`sha256:${HEX}`), `sha256:${HEX}`);
    assert.strictEqual(normaliseId('<missing>'), '<missing>');
    assert.strictEqual(normaliseId(''), '');
    assert.strictEqual(normaliseId(undefined), '');
  });

  it('lists a dangling image with no tags on both engines, and keeps -1 where Podman did not compute sharing', () => {
    const docker = normaliseSummary({ Id: `sha256:${HEX}`, RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Created: 1700000000, Size: 5, SharedSize: -1, Labels: null, Containers: -1 }, 'docker');
    const podman = normaliseSummary({ Id: HEX, RepoTags: null, RepoDigests: null, Created: 1700000000, Size: 5, SharedSize: 0, Labels: { a: 'b' }, Containers: 0 }, 'podman');
    assert.deepStrictEqual(docker.RepoTags, []);
    assert.deepStrictEqual(docker.RepoDigests, []);
    assert.deepStrictEqual(podman.RepoTags, []);
    assert.strictEqual(podman.Id, docker.Id);
    assert.strictEqual(podman.SharedSize, -1, "Podman's 0 is not a computed figure");
    assert.strictEqual(docker.Labels, null, 'dockerd answers null for an image without labels');
    assert.deepStrictEqual(podman.Labels, { a: 'b' });
  });

  it('reads a creation time given as RFC 3339 text as Unix seconds', () => {
    const [row] = normaliseHistory([{ Id: HEX, Created: '2023-11-14T22:13:20Z', CreatedBy: '/bin/sh -c #(nop)  CMD ["sh"]', Tags: null, Size: 0, Comment: '' }]);
    assert.strictEqual(row.Created, 1700000000);
    assert.strictEqual(row.Id, `sha256:${HEX}`);
    assert.strictEqual(row.Tags, null, 'a row without tags says null, as dockerd does');
    assert.strictEqual(row.CreatedBy, '/bin/sh -c #(nop)  CMD ["sh"]', 'the step as written, spaces kept');
  });

  it("keeps history's <missing> rows and its tags", () => {
    const rows = normaliseHistory([
      { Id: `sha256:${HEX}`, Created: 2, CreatedBy: 'CMD', Tags: ['x:1'], Size: 0, Comment: '' },
      { Id: '<missing>', Created: 1, CreatedBy: 'ADD', Tags: null, Size: 10, Comment: '' },
    ]);
    assert.deepStrictEqual(rows.map((r) => [r.Id, r.Tags]), [[`sha256:${HEX}`, ['x:1']], ['<missing>', null]]);
    assert.deepStrictEqual(normaliseHistory({ message: 'not a list' }), []);
  });

  it('inspects Podman IDs and layer IDs with sha256:, and drops the zero LastTagTime', () => {
    const inspect = normaliseInspect({ Id: HEX, RepoTags: ['localhost/x:1'], Parent: '', RootFS: { Type: 'layers', Layers: [HEX2] }, Metadata: { LastTagTime: '0001-01-01T00:00:00Z' }, Config: { Cmd: ['sh'] } });
    assert.strictEqual(inspect.Id, `sha256:${HEX}`);
    assert.deepStrictEqual(inspect.RootFS.Layers, [`sha256:${HEX2}`]);
    assert.deepStrictEqual(inspect.Metadata, {});
    assert.strictEqual(inspect.Config.Labels, null);
    assert.deepStrictEqual(inspect.Config.Cmd, ['sh']);
  });

  it('merges disk-usage rows of one image (one row per tag) into one, with every tag', () => {
    const df = normaliseDiskUsage(
      {
        LayersSize: 100,
        Images: [
          { Id: `sha256:${HEX}`, RepoTags: ['x:1'], RepoDigests: [], Created: 1, Size: 10, SharedSize: 0, Containers: 0 },
          { Id: `sha256:${HEX}`, RepoTags: ['x:2'], RepoDigests: [], Created: 1, Size: 10, SharedSize: 0, Containers: 0 },
          { Id: `sha256:${HEX2}`, RepoTags: ['y:1'], RepoDigests: [], Created: 1, Size: 20, SharedSize: 0, Containers: 0 },
        ],
      },
      'docker',
    );
    assert.deepStrictEqual(df.Images.map((i) => [i.Id.slice(7, 8), i.RepoTags]), [['a', ['x:1', 'x:2']], ['b', ['y:1']]]);
  });
});

describe('engine failures as sentences', () => {
  const endpoint = 'unix:///run/docker.sock';

  it("says the engine's own words from its JSON body, as a sentence", () => {
    const e = toBackendError({ statusCode: 404, json: { message: 'No such image: nope:latest' }, message: '(HTTP code 404) no such image - No such image: nope:latest ' }, endpoint, 'inspect nope');
    assert.ok(BackendError.is(e, 'not-found'));
    assert.strictEqual(e.message, 'No such image: nope:latest.');
    assert.strictEqual(e.detail, 'inspect nope: No such image: nope:latest');
  });

  it("strips docker-modem's prefix when the body is gone", () => {
    assert.strictEqual(engineMessage({ message: '(HTTP code 409) conflict - unable to delete a (must be forced) ' }), 'unable to delete a (must be forced)');
  });

  it("takes Podman's 500 for a refused removal as Docker's 409", () => {
    const e = toBackendError({ statusCode: 500, json: { message: 'image is in use by a container: please force removal' } }, endpoint, 'remove x');
    assert.ok(BackendError.is(e, 'conflict'), e.kind);
  });

  it('tells a missing engine from a socket it may not use, without a stack', () => {
    const refused = toBackendError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED /run/docker.sock' }, endpoint, 'list images');
    assert.ok(BackendError.is(refused, 'unreachable'));
    assert.strictEqual(refused.message, `No Docker engine answers at ${endpoint}: is it running?`);
    const denied = toBackendError({ code: 'EACCES', message: 'connect EACCES /run/docker.sock' }, endpoint, 'list images');
    assert.match(denied.message, /^Permission denied on unix:\/\/\/run\/docker\.sock: add your user to the docker group/);
    const cancelled = toBackendError({ name: 'AbortError', message: 'The operation was aborted' }, endpoint, 'pull x');
    assert.ok(BackendError.is(cancelled, 'cancelled'));
    assert.strictEqual(cancelled.message, 'Cancelled: pull x.');
  });

  it('keeps an error that is already a BackendError, and makes a sentence of any text', () => {
    const own = new BackendError('corrupt', 'Bad bytes.');
    assert.strictEqual(toBackendError(own, endpoint, 'x'), own);
    assert.strictEqual(sentence('no such image: x'), 'No such image: x.');
    assert.strictEqual(sentence('Done!'), 'Done!');
    assert.strictEqual(sentence('  '), '');
  });
});
