// A small client for the registry HTTP API v2 (the distribution spec): manifests, tags and blobs (fetch, check,
// upload), with anonymous or basic credentials and the Bearer token dance. Plain HTTP for loopback registries,
// HTTPS elsewhere. Blob bodies are streams: nothing here holds a layer in memory.
import { createHash } from 'crypto';
import { Readable } from 'stream';
import { BackendError } from '../backend';
import { type ImageReference, parseReference, shortId } from '../../core/reference';
import { limits, seconds } from '../limits';
import { loginCommand, registryLogin } from './credentials';
import { resumingBody, watchedResponse } from './registry-body';
import { backoff, isDroppedConnection, isIdempotent, isRetryableStatus } from './retry';
import { timedFetch } from './timed-fetch';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface RegistryCredentials {
  username: string;
  password: string;
  /**
   * An OAuth2 refresh token in place of the password, as logins to Azure Container Registry and other
   * token-only registries save it (a helper's `<token>` user, or `identitytoken` in the auth file).
   */
  identityToken?: string;
}

export interface RegistryOptions {
  /** Credentials per registry host; by default the logins `docker login` and `podman login` saved (credentials.ts). */
  credentials?: (registry: string) => Promise<RegistryCredentials | undefined> | RegistryCredentials | undefined;
  /** Registries to speak plain HTTP to; loopback ones always are. */
  insecure?: string[];
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RemoteManifest {
  digest: string;
  mediaType: string;
  body: unknown;
  /** The bytes as served; their sha256 is the manifest's digest. */
  raw: Buffer;
}

/** A blob being fetched: its body as a Node stream, and its length when the registry said. */
export interface RemoteBlob {
  body: Readable;
  size?: number;
}

/** What a request may do besides the default (pull access, a time limit on the whole exchange). */
interface RequestOptions {
  /** Ask for push access when a token is needed. */
  push?: boolean;
  /** Answer undefined instead of failing on 404. */
  allowMissing?: boolean;
  /** The body as sent, unwatched: the caller watches it (blobs, which resume where a drop cut them). */
  rawBody?: boolean;
  /** A body that cannot be sent twice: authenticate first, never retry. */
  noRetry?: boolean;
}

/** Manifests are small; anything larger is not one. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const DOCKER_HUB_API = 'registry-1.docker.io';

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name.startsWith('127.') || name === '[::1]';
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: RegistryOptions = {}) {
    this.doFetch = timedFetch(options.fetch ?? fetch);
  }

  baseUrl(registry: string): string {
    const host = registry === 'docker.io' ? DOCKER_HUB_API : registry;
    const plain = isLoopback(host) || this.options.insecure?.includes(registry);
    return `${plain ? 'http' : 'https'}://${host}/v2/`;
  }

  /** The digest the registry serves for a tag (HEAD, so the manifest itself is not fetched). */
  async remoteDigest(ref: string | ImageReference, signal?: AbortSignal): Promise<string> {
    const r = typeof ref === 'string' ? parse(ref) : ref;
    const res = await this.request(r, `${r.path}/manifests/${r.digest ?? r.tag ?? 'latest'}`, {
      method: 'HEAD',
      headers: { Accept: MANIFEST_TYPES.join(', ') },
      signal,
    });
    const digest = res.headers.get('docker-content-digest');
    if (!digest) throw new BackendError('failed', `${r.registry} did not say which digest ${r.path} has.`);
    return digest;
  }

  /**
   * The manifest (or index) a tag or digest names. Asked by digest, the bytes must hash to it; asked by tag, the
   * digest is the hash of the bytes (as the engine computes it), and a registry header that disagrees is an error.
   */
  async manifest(ref: string | ImageReference, signal?: AbortSignal): Promise<RemoteManifest> {
    const r = typeof ref === 'string' ? parse(ref) : ref;
    const res = await this.request(r, `${r.path}/manifests/${r.digest ?? r.tag ?? 'latest'}`, {
      headers: { Accept: MANIFEST_TYPES.join(', ') },
      signal,
    });
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_MANIFEST_BYTES) {
      throw new BackendError('corrupt', `${r.registry} sent a manifest for ${r.path} of ${declared} bytes, too large to be one.`);
    }
    const raw = Buffer.from(await res.arrayBuffer());
    const digest = 'sha256:' + createHash('sha256').update(raw).digest('hex');
    const what = `The manifest of ${r.registry}/${r.path}${r.digest ? '@' + r.digest : ':' + (r.tag ?? 'latest')}`;
    if (r.digest && r.digest !== digest) {
      throw new BackendError('corrupt', `${what} does not match its digest (its bytes hash to ${digest}).`);
    }
    const header = res.headers.get('docker-content-digest');
    if (!r.digest && header && header.startsWith('sha256:') && header !== digest) {
      throw new BackendError('corrupt', `${what} hashes to ${digest}, but the registry says ${header}.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BackendError('corrupt', `${r.registry} sent a manifest for ${r.path} that is not JSON.`);
    }
    return { digest, mediaType: res.headers.get('content-type') ?? '', body, raw };
  }

  /**
   * Starts fetching a blob; the caller streams and verifies it. The body is watched (silence, a throughput floor,
   * an early end), and a connection that drops mid-body is picked up where it stopped (Range), a few times.
   */
  async blob(ref: ImageReference, digest: string, signal?: AbortSignal): Promise<RemoteBlob> {
    const where = `${ref.path}/blobs/${digest}`;
    const first = (await this.request(ref, where, { signal }, { rawBody: true })) as Response;
    if (!first.body) throw new BackendError('failed', `${ref.registry} sent no data for blob ${shortId(digest)} of ${ref.path}.`);
    const what = `blob ${shortId(digest)} of ${ref.path}`;
    const length = first.headers.get('content-length');
    const resume = (offset: number) => this.request(ref, where, { signal, headers: { Range: `bytes=${offset}-` } }, { rawBody: true }) as Promise<Response>;
    return { body: Readable.from(resumingBody(first, ref.registry, what, resume, signal), { objectMode: false }), size: length ? Number(length) : undefined };
  }

  /** The size of a blob the repository has, or undefined when it has none (HEAD, so nothing is fetched). */
  async blobSize(ref: ImageReference, digest: string, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.request(ref, `${ref.path}/blobs/${digest}`, { method: 'HEAD', signal }, { push: true, allowMissing: true });
    if (!res) return undefined;
    return Number(res.headers.get('content-length') ?? '0');
  }

  /** Uploads a small blob (a config) in one request. */
  async uploadBytes(ref: ImageReference, data: Buffer, digest: string, signal?: AbortSignal): Promise<void> {
    const location = await this.startUpload(ref, signal);
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    await this.request(
      ref,
      url.href,
      { method: 'PUT', body: new Uint8Array(data), headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) }, signal },
      { push: true },
    );
  }

  /**
   * Uploads a blob from a stream whose digest is known only at its end (a layer compressed on the way): one
   * streamed PATCH, then the PUT that names the digest, which the registry checks against what it received.
   */
  async uploadStream(ref: ImageReference, body: Readable, digestAtEnd: () => string, signal?: AbortSignal): Promise<void> {
    const location = await this.startUpload(ref, signal);
    const patched = (await this.request(
      ref,
      location,
      {
        method: 'PATCH',
        body: Readable.toWeb(body) as unknown as BodyInit,
        headers: { 'Content-Type': 'application/octet-stream' },
        signal,
        duplex: 'half',
      } as RequestInit,
      { push: true, noRetry: true, rawBody: true },
    )) as Response;
    await patched.arrayBuffer().catch(() => undefined);
    const next = patched.headers.get('location');
    const url = new URL(next ? new URL(next, location).href : location);
    url.searchParams.set('digest', digestAtEnd());
    await this.request(ref, url.href, { method: 'PUT', headers: { 'Content-Length': '0' }, signal }, { push: true });
  }

  /**
   * Asks the registry to link a blob it already holds in another repository (no bytes sent). Answers whether it
   * did; a registry that declines opens an upload instead, which is cancelled here.
   */
  async mountBlob(ref: ImageReference, digest: string, fromPath: string, signal?: AbortSignal): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from: fromPath });
    const res = (await this.request(ref, `${ref.path}/blobs/uploads/?${query}`, { method: 'POST', headers: { 'Content-Length': '0' }, signal }, { push: true })) as Response;
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 201) return true;
    const location = res.headers.get('location');
    if (location) {
      const url = new URL(location, this.baseUrl(ref.registry)).href;
      await this.request(ref, url, { method: 'DELETE', signal }, { push: true, allowMissing: true }).catch(() => undefined);
    }
    return false;
  }

  /** Puts a manifest under a tag; answers the digest the registry stored it under. */
  async putManifest(ref: ImageReference, tag: string, mediaType: string, raw: Buffer, signal?: AbortSignal): Promise<string> {
    const res = (await this.request(
      ref,
      `${ref.path}/manifests/${tag}`,
      { method: 'PUT', body: new Uint8Array(raw), headers: { 'Content-Type': mediaType }, signal },
      { push: true },
    )) as Response;
    await res.arrayBuffer().catch(() => undefined);
    const digest = 'sha256:' + createHash('sha256').update(raw).digest('hex');
    const said = res.headers.get('docker-content-digest');
    if (said && said !== digest) throw new BackendError('failed', `${ref.registry} stored the manifest of ${ref.path}:${tag} as ${said}, not ${digest}.`);
    return digest;
  }

  /** Opens an upload session; answers its absolute URL. */
  private async startUpload(ref: ImageReference, signal?: AbortSignal): Promise<string> {
    const res = (await this.request(ref, `${ref.path}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' }, signal }, { push: true })) as Response;
    await res.arrayBuffer().catch(() => undefined);
    const location = res.headers.get('location');
    if (!location) throw new BackendError('failed', `${ref.registry} did not say where to upload to ${ref.path}.`);
    return new URL(location, this.baseUrl(ref.registry)).href;
  }

  async tags(repository: string, signal?: AbortSignal): Promise<string[]> {
    const r = parse(repository);
    return this.pages(r, `${r.path}/tags/list?n=1000`, 'tags', signal);
  }

  /** The repositories a registry holds (GET /v2/_catalog, page after page, at most `max`). */
  async catalog(registry: string, max = 10_000, signal?: AbortSignal): Promise<string[]> {
    // The reference only routes the request and keys its token; the catalog is registry-wide.
    return this.pages(parse(`${registry}/catalog`), '_catalog?n=1000', 'repositories', signal, max);
  }

  /** A paginated list: follows the Link header (`<…?last=…>; rel="next"`) until the end or `max` items. */
  private async pages(r: ImageReference, first: string, field: 'tags' | 'repositories', signal?: AbortSignal, max = 100_000): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = first;
    while (next && out.length < max) {
      const res: Response = await this.request(r, next, { signal });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      const items = body[field];
      if (items !== null && items !== undefined && !(Array.isArray(items) && items.every((t) => typeof t === 'string'))) {
        throw new BackendError('failed', `${r.registry} answered a list that is not one (${field}).`);
      }
      out.push(...((items as string[] | null | undefined) ?? []));
      const link: string | undefined = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1];
      next = link ? new URL(link, this.baseUrl(r.registry)).href : undefined;
    }
    return out.slice(0, max);
  }

  private request(r: ImageReference, path: string, init: RequestInit, options: RequestOptions & { allowMissing: true }): Promise<Response | undefined>;
  private request(r: ImageReference, path: string, init: RequestInit, options?: RequestOptions): Promise<Response>;
  private request(r: ImageReference, path: string, init: RequestInit, options: RequestOptions = {}): Promise<Response | undefined> {
    return this.send(r, path, init, options, false);
  }

  private async send(r: ImageReference, path: string, init: RequestInit, options: RequestOptions, retried: boolean, attempt = 0): Promise<Response | undefined> {
    // Upload URLs come absolute from the registry; everything else is relative to /v2/.
    const url = /^https?:\/\//.test(path) ? path : this.baseUrl(r.registry) + path;
    const headers = new Headers(init.headers);
    const token = this.tokens.get(tokenKey(r, options.push));
    if (token) headers.set('Authorization', token);
    const limit = this.options.timeoutMs ?? limits.registryAnswerMs;
    const timer = new AbortController();
    // Unref'd: a finished exchange must not keep the process alive until the limit.
    const timeout = setTimeout(() => timer.abort(), limit).unref();
    const signal = init.signal ? AbortSignal.any([init.signal, timer.signal]) : timer.signal;
    const again = !options.noRetry && isIdempotent(init.method) && attempt < limits.retries;
    let res: Response;
    try {
      res = await this.doFetch(url, { ...init, headers, signal });
    } catch (e) {
      clearTimeout(timeout);
      if (init.signal?.aborted) throw new BackendError('cancelled', 'Cancelled.');
      // A dropped connection is asked again; one refused or a registry that stays silent is not.
      if (again && !timer.signal.aborted && isDroppedConnection(e)) {
        await backoff(attempt + 1, init.signal);
        return this.send(r, path, init, options, retried, attempt + 1);
      }
      const reason = timer.signal.aborted ? `did not answer within ${seconds(limit)}` : 'cannot be reached';
      throw new BackendError('unreachable', `The registry ${r.registry} ${reason}.`, String((e as Error)?.message ?? e));
    }
    // The answer has started: from here its body is watched for silence, slowness and an early end.
    clearTimeout(timeout);
    if (again && isRetryableStatus(res.status)) {
      await res.body?.cancel().catch(() => undefined);
      await backoff(attempt + 1, init.signal);
      return this.send(r, path, init, options, retried, attempt + 1);
    }
    if (res.status === 401 && !retried && !options.noRetry) {
      await res.body?.cancel().catch(() => undefined);
      await this.authenticate(r, res.headers.get('www-authenticate') ?? '', options.push === true, init.signal ?? undefined);
      return this.send(r, path, init, options, true, attempt);
    }
    if (res.status === 404 && options.allowMissing) return undefined;
    if (!res.ok) await this.failure(r, watchedResponse(res, r.registry, `the answer for ${r.path}`), options.push === true);
    return options.rawBody ? res : watchedResponse(res, r.registry, `the answer for ${r.path}`);
  }

  /** Turns an error answer into a sentence, with the registry's own error code when it sent one. */
  private async failure(r: ImageReference, res: Response, push: boolean): Promise<never> {
    let detail = '';
    try {
      const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
      detail = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      // Not every error comes with a JSON body.
    }
    const why = detail ? ` (${detail.slice(0, 200)})` : '';
    if (res.status === 404) throw new BackendError('not-found', `${r.registry}/${r.path}: no such image or tag in the registry${why}.`);
    if (res.status === 401 || res.status === 403) {
      throw new BackendError('failed', `${r.registry} refused ${push ? 'to let you push to' : 'access to'} ${r.path}: log in with "${loginCommand(r.registry)}", or check the name${why}.`);
    }
    throw new BackendError('failed', `${r.registry} answered ${res.status} for ${r.path}${why}.`);
  }

  private async authenticate(r: ImageReference, challenge: string, push: boolean, signal?: AbortSignal): Promise<void> {
    const creds = await (this.options.credentials ?? registryLogin)(r.registry);
    const key = tokenKey(r, push);
    if (/^basic/i.test(challenge)) {
      if (!creds || creds.identityToken) throw new BackendError('failed', `${r.registry} needs a login: run "${loginCommand(r.registry)}".`);
      this.tokens.set(key, `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`);
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) throw new BackendError('failed', `${r.registry} asked for a login it did not describe.`);
    const url = new URL(params.realm);
    const scope = params.scope ?? `repository:${r.path}:${push ? 'pull,push' : 'pull'}`;
    const init: RequestInit = { signal: signal ?? AbortSignal.timeout(limits.registryAnswerMs) };
    if (creds?.identityToken) {
      // The OAuth2 exchange the engine does for a saved identity token: POST the refresh token for an access token.
      init.method = 'POST';
      init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
      init.body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: params.service ?? '', scope, client_id: 'image-layers' }).toString();
    } else {
      if (params.service) url.searchParams.set('service', params.service);
      url.searchParams.set('scope', scope);
      if (creds) init.headers = { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` };
    }
    const res = await this.doFetch(url, init).catch((e: unknown) => {
      throw new BackendError('unreachable', `The login service of ${r.registry} cannot be reached.`, String(e));
    });
    if (!res.ok) throw new BackendError('failed', `${r.registry} refused a token for ${r.path} (${res.status}).`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new BackendError('failed', `${r.registry} gave no token for ${r.path}.`);
    this.tokens.set(key, `Bearer ${token}`);
  }
}

/** Tokens are per repository and per access: a pull token does not allow a push. */
function tokenKey(r: ImageReference, push?: boolean): string {
  return `${r.registry}/${r.path}${push ? ' push' : ''}`;
}

function parse(ref: string): ImageReference {
  const r = parseReference(ref);
  if (!r) throw new BackendError('invalid-input', `"${ref}" is not a valid image reference.`);
  return r;
}
