// The registry client against a scripted fetch: the token dance with push scope, manifest digests checked,
// the upload protocol (POST, streamed PATCH, PUT with the digest), and error sentences.
import * as assert from 'assert';
import { createHash } from 'crypto';
import { Readable } from 'stream';
import { BackendError } from '../../src/backend/backend';
import { pushManifest } from '../../src/backend/registry/manifests';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { parseReference } from '../../src/core/reference';

type Handler = (url: URL, init: RequestInit) => Promise<Response> | Response;
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function scripted(handler: Handler): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const f: typeof fetch = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    calls.push(`${init.method ?? 'GET'} ${url.pathname}${url.search}`);
    return handler(url, init);
  };
  return { fetch: f, calls };
}

describe('RegistryClient', () => {
  const ref = parseReference('registry.example/team/app:1')!;

  it('asks for a token with push scope when pushing, and reuses it', async () => {
    const scopes: string[] = [];
    const s = scripted((url, init) => {
      if (url.hostname === 'auth.example') {
        scopes.push(url.searchParams.get('scope') ?? '');
        return Response.json({ token: 'T' });
      }
      const auth = new Headers(init.headers).get('authorization');
      if (auth !== 'Bearer T') {
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push"' } });
      }
      return new Response(null, { status: 404 });
    });
    const client = new RegistryClient({ fetch: s.fetch });
    assert.strictEqual(await client.blobSize(ref, sha('x')), undefined);
    assert.strictEqual(await client.blobSize(ref, sha('y')), undefined);
    assert.deepStrictEqual(scopes, ['repository:team/app:pull,push'], 'one token for both');
  });

  it('trades an identity token for an access token with an OAuth2 POST, as the engine does', async () => {
    const forms: Record<string, string>[] = [];
    const s = scripted(async (url, init) => {
      if (url.hostname === 'auth.example') {
        assert.strictEqual(init.method, 'POST');
        assert.strictEqual(new Headers(init.headers).get('authorization'), null, 'no basic credentials beside the token');
        forms.push(Object.fromEntries(new URLSearchParams(String(init.body))));
        return Response.json({ access_token: 'A' });
      }
      if (new Headers(init.headers).get('authorization') !== 'Bearer A') {
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/oauth2/token",service="registry.example"' } });
      }
      return new Response(null, { status: 404 });
    });
    const client = new RegistryClient({ fetch: s.fetch, credentials: () => ({ username: '<token>', password: '', identityToken: 'R' }) });
    assert.strictEqual(await client.blobSize(ref, sha('x')), undefined);
    assert.deepStrictEqual(forms, [{ grant_type: 'refresh_token', refresh_token: 'R', service: 'registry.example', scope: 'repository:team/app:pull,push', client_id: 'image-layers' }]);
  });

  it('refuses a manifest whose bytes do not hash to the digest asked for', async () => {
    const s = scripted(() => new Response('{"schemaVersion":2}', { headers: { 'content-type': 'application/json' } }));
    const client = new RegistryClient({ fetch: s.fetch });
    await assert.rejects(client.manifest(`registry.example/team/app@${sha('other')}`), (e: unknown) => BackendError.is(e, 'corrupt') && /does not match its digest/.test(e.message));
    const m = await client.manifest('registry.example/team/app:1');
    assert.strictEqual(m.digest, sha('{"schemaVersion":2}'));
  });

  it('uploads a stream: POST, one PATCH with the bytes, then PUT naming the digest', async () => {
    let patched = Buffer.alloc(0);
    const s = scripted(async (url, init) => {
      if (init.method === 'POST') return new Response(null, { status: 202, headers: { location: '/v2/team/app/blobs/uploads/u1?_state=a' } });
      if (init.method === 'PATCH') {
        patched = Buffer.from(await new Response(init.body).arrayBuffer());
        return new Response(null, { status: 202, headers: { location: 'https://registry.example/v2/team/app/blobs/uploads/u1?_state=b' } });
      }
      if (init.method === 'PUT') return new Response(null, { status: 201 });
      return new Response(null, { status: 500 });
    });
    const client = new RegistryClient({ fetch: s.fetch });
    const data = Buffer.from('layer bytes');
    await client.uploadStream(ref, Readable.from([data]), () => sha(data));
    assert.ok(patched.equals(data));
    assert.deepStrictEqual(s.calls, [
      'POST /v2/team/app/blobs/uploads/',
      'PATCH /v2/team/app/blobs/uploads/u1?_state=a',
      `PUT /v2/team/app/blobs/uploads/u1?_state=b&digest=${encodeURIComponent(sha(data))}`,
    ]);
  });

  it("names the registry's error code in the sentence", async () => {
    const s = scripted(() => Response.json({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }, { status: 403 }));
    const client = new RegistryClient({ fetch: s.fetch });
    await assert.rejects(client.putManifest(ref, '1', 'application/json', Buffer.from('{}')), (e: unknown) => BackendError.is(e, 'failed') && /refused to let you push.*DENIED/.test(e.message));
  });

  it('writes the schema 2 manifest as the engine marshals it', () => {
    const text = pushManifest({ digest: sha('c'), size: 2 }, [{ digest: sha('l'), size: 3, compression: 'gzip' }]).bytes.toString();
    assert.ok(text.startsWith('{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n   "config": {\n      "mediaType"'), text);
  });
});
