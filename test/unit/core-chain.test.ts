import * as assert from 'assert';
import { createHash } from 'crypto';
import { chainIds, topChainId } from '../../src/core/chain';
import { digestHex, idPrefix, parseDigest } from '../../src/core/digest';
import { deriveHistory, HistoryMismatchError, rfc3339ToUnix, ZERO_TIME_UNIX } from '../../src/core/history';
import { fixtureDiffIds, sampleImages } from '../fixtures/archives';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('core/chain', () => {
  it('gives the first layer its diff ID and each later layer sha256 of "parent-chain diff"', () => {
    const a = 'sha256:' + 'a'.repeat(64);
    const b = 'sha256:' + 'b'.repeat(64);
    const c = 'sha256:' + 'c'.repeat(64);
    const ids = chainIds([a, b, c], sha);
    const second = 'sha256:' + sha(`${a} ${b}`);
    assert.deepStrictEqual(ids, [a, second, 'sha256:' + sha(`${second} ${c}`)]);
    assert.strictEqual(topChainId([a, b, c], sha), ids[2]);
    assert.strictEqual(topChainId([], sha), undefined);
  });

  it('matches the chain IDs a real dockerd filed the sample app layers under', async () => {
    // Read from image/vfs/layerdb/sha256/ of a docker 20.10 dockerd after `docker load` of the sample archive.
    const ids = chainIds(await fixtureDiffIds(sampleImages()[1]), sha);
    assert.deepStrictEqual(ids.map((i) => i.slice(7, 19)), ['eac3ab943a7d', '94316d719188', '8c24a4a44dff', '417357570aa9']);
  });
});

describe('core/digest', () => {
  it('accepts only sha256 with 64 lowercase hex digits', () => {
    assert.deepStrictEqual(parseDigest('sha256:' + 'f'.repeat(64)), { algorithm: 'sha256', hex: 'f'.repeat(64) });
    assert.strictEqual(parseDigest('sha256:' + 'F'.repeat(64)), undefined);
    assert.strictEqual(parseDigest('sha512:' + 'f'.repeat(64)), undefined);
    assert.strictEqual(parseDigest('sha256:abc'), undefined);
    assert.strictEqual(digestHex('sha256:abc'), 'abc');
    assert.strictEqual(idPrefix('sha256:606bd5'), '606bd5');
    assert.strictEqual(idPrefix('nginx'), undefined);
  });
});

describe('core/history', () => {
  const history = [
    { created: '2024-01-01T10:00:00Z', created_by: 'ADD a /', comment: 'c1' },
    { created: '2024-01-01T10:01:00.123456789Z', created_by: 'ENV X=1', empty_layer: true },
    { created_by: 'COPY b /' },
  ];

  it('lists newest first, sizes only on layer rows, the image ID and tags on the top row, Tags null elsewhere as dockerd', () => {
    const rows = deriveHistory({ history, layerSizes: [10, 20], ids: ['sha256:top'], tagsOf: () => ['x:1'] });
    assert.deepStrictEqual(
      rows.map((r) => [r.Id, r.CreatedBy, r.Size, r.Tags]),
      [
        ['sha256:top', 'COPY b /', 20, ['x:1']],
        ['<missing>', 'ENV X=1', 0, null],
        ['<missing>', 'ADD a /', 10, null],
      ],
    );
    assert.strictEqual(rows[0].Created, ZERO_TIME_UNIX, 'a row without created gets Go zero time, as the engine reports');
    assert.strictEqual(rows[1].Created, Date.UTC(2024, 0, 1, 10, 1, 0) / 1000);
    assert.strictEqual(rows[2].Comment, 'c1');
  });

  it('walks parent IDs down the rows when the image has parents', () => {
    const rows = deriveHistory({ history, layerSizes: [10, 20], ids: ['sha256:c', 'sha256:b'], tagsOf: (id) => (id === 'sha256:b' ? ['b:1'] : []) });
    assert.deepStrictEqual(rows.map((r) => r.Id), ['sha256:c', 'sha256:b', '<missing>']);
    assert.deepStrictEqual(rows[1].Tags, ['b:1']);
  });

  it('refuses a history with more layer rows than layers', () => {
    assert.throws(() => deriveHistory({ history, layerSizes: [10], ids: [], tagsOf: () => [] }), HistoryMismatchError);
  });

  it('parses RFC 3339 with offsets and fractions', () => {
    assert.strictEqual(rfc3339ToUnix('2024-01-01T12:00:00+02:00'), Date.UTC(2024, 0, 1, 10) / 1000);
    assert.strictEqual(rfc3339ToUnix('not a time'), undefined);
  });
});
