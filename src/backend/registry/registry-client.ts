// A small client for the registry HTTP API v2 (the distribution spec): manifests and tags, with anonymous or
// basic credentials and the Bearer token dance. Plain HTTP for loopback registries, HTTPS elsewhere.
import { BackendError } from '../backend';
import { parseReference, type ImageReference } from '../../core/reference';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Credentials per registry host. */
  credentials?: (registry: string) => RegistryCredentials | undefined;
  /** Registries to speak plain HTTP to; loopback ones always are. */
  insecure?: string[];
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RemoteManifest {
  digest: string;
  mediaType: string;
  body: unknown;
}

const DOCKER_HUB_API = 'registry-1.docker.io';

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name.startsWith('127.') || name === '[::1]';
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: RegistryOptions = {}) {
    this.doFetch = options.fetch ?? fetch;
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

  async manifest(ref: string | ImageReference, signal?: AbortSignal): Promise<RemoteManifest> {
    const r = typeof ref === 'string' ? parse(ref) : ref;
    const res = await this.request(r, `${r.path}/manifests/${r.digest ?? r.tag ?? 'latest'}`, {
      headers: { Accept: MANIFEST_TYPES.join(', ') },
      signal,
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BackendError('corrupt', `${r.registry} sent a manifest for ${r.path} that is not JSON.`);
    }
    return {
      digest: res.headers.get('docker-content-digest') ?? '',
      mediaType: res.headers.get('content-type') ?? '',
      body,
    };
  }

  async tags(repository: string, signal?: AbortSignal): Promise<string[]> {
    const r = parse(repository);
    const res = await this.request(r, `${r.path}/tags/list`, { signal });
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  private async request(r: ImageReference, path: string, init: RequestInit, retried = false): Promise<Response> {
    const url = this.baseUrl(r.registry) + path;
    const headers = new Headers(init.headers);
    const token = this.tokens.get(`${r.registry}/${r.path}`);
    if (token) headers.set('Authorization', token);
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.doFetch(url, { ...init, headers, signal });
    } catch (e) {
      if (init.signal?.aborted) throw new BackendError('cancelled', 'Cancelled.');
      const reason = timeout.aborted ? 'did not answer in time' : 'cannot be reached';
      throw new BackendError('unreachable', `The registry ${r.registry} ${reason}.`, String((e as Error)?.message ?? e));
    }
    if (res.status === 401 && !retried) {
      await this.authenticate(r, res.headers.get('www-authenticate') ?? '', init.signal ?? undefined);
      return this.request(r, path, init, true);
    }
    if (res.status === 404) throw new BackendError('not-found', `${r.registry}/${r.path}: no such image or tag in the registry.`);
    if (res.status === 401 || res.status === 403) {
      throw new BackendError('failed', `${r.registry} refused access to ${r.path}: log in, or check the name.`);
    }
    if (!res.ok) throw new BackendError('failed', `${r.registry} answered ${res.status} for ${r.path}.`);
    return res;
  }

  private async authenticate(r: ImageReference, challenge: string, signal?: AbortSignal): Promise<void> {
    const creds = this.options.credentials?.(r.registry);
    const key = `${r.registry}/${r.path}`;
    if (/^basic/i.test(challenge)) {
      if (!creds) throw new BackendError('failed', `${r.registry} needs a login.`);
      this.tokens.set(key, `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`);
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) throw new BackendError('failed', `${r.registry} asked for a login it did not describe.`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${r.path}:pull`);
    const headers: Record<string, string> = {};
    if (creds) headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const res = await this.doFetch(url, { headers, signal: signal ?? AbortSignal.timeout(10_000) }).catch((e: unknown) => {
      throw new BackendError('unreachable', `The login service of ${r.registry} cannot be reached.`, String(e));
    });
    if (!res.ok) throw new BackendError('failed', `${r.registry} refused a token for ${r.path} (${res.status}).`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new BackendError('failed', `${r.registry} gave no token for ${r.path}.`);
    this.tokens.set(key, `Bearer ${token}`);
  }
}

function parse(ref: string): ImageReference {
  const r = parseReference(ref);
  if (!r) throw new BackendError('invalid-input', `"${ref}" is not a valid image reference.`);
  return r;
}
