// One registry client for the whole extension: whichever backend the settings open searches through the client
// it was given, so a token one of them got serves the others, and the hover and tag lists that share it.
import * as assert from 'assert';
import * as path from 'path';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { openBackend, type BackendChoice } from '../../src/backend/select';
import { tempDir } from './store/helpers';

describe('the registry client the backends are given', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('serves every backend the settings open, with one token for one registry', async () => {
    const tokens: string[] = [];
    const fetchScripted: typeof fetch = async (input, init = {}) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (url.hostname === 'auth.example') {
        tokens.push(url.searchParams.get('scope') ?? '');
        return Response.json({ token: 'T' });
      }
      if (new Headers(init.headers).get('authorization') !== 'Bearer T') {
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="registry.example",scope="registry:catalog:*"' } });
      }
      return Response.json({ repositories: ['team/app', 'team/api', 'other/x'] });
    };
    const registry = new RegistryClient({ fetch: fetchScripted, credentials: () => undefined });
    const found: string[][] = [];
    // An engine that is not there: a registry's catalog is searched without it.
    for (const backend of ['builtin', 'docker'] as BackendChoice[]) {
      const opened = await openBackend({ backend, storePath: path.join(t.dir, 'store'), dockerHost: 'unix:///nonexistent/engine.sock', registry });
      try {
        found.push((await opened.backend.capabilities.transfer!.searchImages('registry.example/team')).map((r) => r.name));
      } finally {
        opened.backend.dispose();
      }
    }
    assert.deepStrictEqual(found, [
      ['registry.example/team/api', 'registry.example/team/app'],
      ['registry.example/team/api', 'registry.example/team/app'],
    ]);
    assert.deepStrictEqual(tokens, ['registry:catalog:*'], 'the second backend used the token the first one got');
  });
});
