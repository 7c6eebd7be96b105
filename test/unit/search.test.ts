// `docker search` for both backends: which terms go to a registry's catalog, what Docker Hub's answer becomes,
// catalog and tag pages followed to the end, and tags in the order a picker offers them.
import * as assert from 'assert';
import { BackendError } from '../../src/backend/backend';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { registryTerm, searchCatalog, searchDockerHub, searchRows } from '../../src/backend/registry/search';
import { orderTags } from '../../src/core/reference';

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...headers } });

describe('search', () => {
  it('sends a term that starts with a registry host to that registry, anything else to Docker Hub', () => {
    assert.deepStrictEqual(registryTerm('127.0.0.1:5000/team/app'), { registry: '127.0.0.1:5000', text: 'team/app' });
    assert.deepStrictEqual(registryTerm('Registry.Example/App'), { registry: 'registry.example', text: 'app' });
    assert.deepStrictEqual(registryTerm('localhost:5000'), { registry: 'localhost:5000', text: '' });
    assert.strictEqual(registryTerm('nginx'), undefined);
    assert.strictEqual(registryTerm('bitnami/redis'), undefined);
    assert.strictEqual(registryTerm('  '), undefined);
  });

  it("reads Docker Hub's answer and the engine's alike, dropping what is not a row", () => {
    const hub = { num_results: 2, results: [{ name: 'nginx', description: 'Official build', star_count: 20000, is_official: true, is_automated: false }, { name: 42 }] };
    assert.deepStrictEqual(searchRows(hub), [{ name: 'nginx', description: 'Official build', star_count: 20000, is_official: true, is_automated: false }]);
    assert.deepStrictEqual(searchRows([{ name: 'x/y' }]), [{ name: 'x/y', description: '', star_count: 0, is_official: false, is_automated: false }]);
    assert.throws(() => searchRows('<html>'), (e: unknown) => BackendError.is(e, 'failed'));
  });

  it('asks Docker Hub as dockerd does, and says when it cannot be reached', async () => {
    let asked: URL | undefined;
    const ok = (async (url: URL) => {
      asked = url;
      return json({ results: [{ name: 'library/redis', star_count: 3 }] });
    }) as unknown as typeof fetch;
    assert.deepStrictEqual((await searchDockerHub('redis', 5, undefined, ok)).map((r) => r.name), ['library/redis']);
    assert.strictEqual(asked?.href, 'https://index.docker.io/v1/search?q=redis&n=5');
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await assert.rejects(searchDockerHub('redis', 5, undefined, down), (e: unknown) => BackendError.is(e, 'unreachable') && /start the term with its host/.test((e as Error).message));
    const refused = (async () => new Response('nope', { status: 503 })) as unknown as typeof fetch;
    await assert.rejects(searchDockerHub('redis', 5, undefined, refused), /Docker Hub answered 503/);
  });

  it("follows the catalog's pages and keeps names that hold the text, those that start with it first", async () => {
    const pages: string[] = [];
    const f = (async (input: string | URL) => {
      const url = new URL(String(input));
      pages.push(url.pathname + url.search);
      if (!url.searchParams.get('last')) return json({ repositories: ['apps/web', 'db', 'web-old'] }, { Link: '</v2/_catalog?last=web-old&n=1000>; rel="next"' });
      return json({ repositories: ['web', 'zzz'] });
    }) as unknown as typeof fetch;
    const client = new RegistryClient({ fetch: f, credentials: () => undefined });
    const found = await searchCatalog(client, '127.0.0.1:5000', 'web', 10);
    assert.deepStrictEqual(pages, ['/v2/_catalog?n=1000', '/v2/_catalog?last=web-old&n=1000']);
    assert.deepStrictEqual(found.map((r) => r.name), ['127.0.0.1:5000/web', '127.0.0.1:5000/web-old', '127.0.0.1:5000/apps/web']);
    assert.deepStrictEqual((await searchCatalog(client, '127.0.0.1:5000', 'web', 1)).length, 1);
  });

  it('offers latest first, then the newest-looking tags', () => {
    assert.deepStrictEqual(orderTags(['1.9', '1.25.3', 'latest', '1.25', 'alpine', '1.25.3']), ['latest', 'alpine', '1.25.3', '1.25', '1.9']);
  });
});
