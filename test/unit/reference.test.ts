import * as assert from 'assert';
import { compareByFullName, familiarString, hasRegistry, parseReference, sameTag, shortId, splitName, splitRepoTag } from '../../src/core/reference';

describe('image references', () => {
  it('fills in Docker Hub defaults for a bare name', () => {
    assert.deepStrictEqual(parseReference('nginx'), { registry: 'docker.io', path: 'library/nginx', tag: undefined, digest: undefined });
    assert.strictEqual(familiarString(parseReference('nginx')!), 'nginx:latest');
  });

  it('tells a registry with a port from a tag', () => {
    const ref = parseReference('127.0.0.1:5000/team/app:1.2')!;
    assert.strictEqual(ref.registry, '127.0.0.1:5000');
    assert.strictEqual(ref.path, 'team/app');
    assert.strictEqual(ref.tag, '1.2');
    assert.strictEqual(familiarString(ref), '127.0.0.1:5000/team/app:1.2');
  });

  it('keeps digests and prints the familiar form Docker prints', () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    const ref = parseReference(`docker.io/library/nginx:1.25@${digest}`)!;
    assert.strictEqual(ref.digest, digest);
    assert.strictEqual(familiarString(ref), `nginx:1.25@${digest}`);
  });

  it('treats localhost as a registry and lowercase paths only', () => {
    assert.strictEqual(parseReference('localhost/app')!.registry, 'localhost');
    assert.strictEqual(parseReference('Nginx'), undefined);
    assert.strictEqual(parseReference('nginx:bad tag'), undefined);
    assert.strictEqual(parseReference('nginx@sha256:short'), undefined);
    assert.strictEqual(parseReference(''), undefined);
  });

  it('compares tags written in short and long forms', () => {
    assert.ok(sameTag('nginx', 'docker.io/library/nginx:latest'));
    assert.ok(sameTag('team/app:1', 'index.docker.io/team/app:1'));
    assert.ok(!sameTag('nginx:1', 'nginx:2'));
  });

  it('splits repo tags and shortens IDs like docker images', () => {
    assert.deepStrictEqual(splitRepoTag('127.0.0.1:5000/app'), { repository: '127.0.0.1:5000/app', tag: 'latest' });
    assert.deepStrictEqual(splitRepoTag('sample/app:1.0'), { repository: 'sample/app', tag: '1.0' });
    assert.strictEqual(shortId('sha256:0123456789abcdef0123'), '0123456789ab');
  });

  it('splits a name as written: a port is not a tag, a digest after a tag keeps both, nothing filled in', () => {
    const digest = 'sha256:' + 'ab'.repeat(32);
    assert.deepStrictEqual(splitName('127.0.0.1:5000/team/app'), { repository: '127.0.0.1:5000/team/app', digest: undefined });
    assert.deepStrictEqual(splitName(`127.0.0.1:5000/app:1@${digest}`), { repository: '127.0.0.1:5000/app', tag: '1', digest });
    assert.deepStrictEqual(splitName(`docker.io/library/nginx@${digest}`), { repository: 'docker.io/library/nginx', digest });
    assert.deepStrictEqual(splitName('localhost/app:v2'), { repository: 'localhost/app', tag: 'v2', digest: undefined });
    // parseReference reads the same split: what one accepts, the other cuts in the same places.
    assert.deepStrictEqual(parseReference(`127.0.0.1:5000/app:1@${digest}`), { registry: '127.0.0.1:5000', path: 'app', tag: '1', digest });
  });

  it('tells a name that starts with its registry from one left to Docker Hub', () => {
    assert.deepStrictEqual(
      ['127.0.0.1:5000/app', 'docker.io/x', 'localhost/x', 'team/app', 'app', 'app:1.0'].map(hasRegistry),
      [true, true, true, false, false, false],
    );
  });

  it('orders names as dockerd lists RepoTags: by full name, so docker.io sorts among the registry hosts', () => {
    const names = ['example.com:5000/team/multi-tag:v1', 'multi-tag:v1', 'a.example:5000/x:1', 'multi-tag:latest', 'zz.example/x:1'];
    assert.deepStrictEqual([...names].sort(compareByFullName), [
      'a.example:5000/x:1',
      'multi-tag:latest',
      'multi-tag:v1',
      'example.com:5000/team/multi-tag:v1',
      'zz.example/x:1',
    ]);
  });
});
