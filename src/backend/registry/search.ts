// `docker search`, for both backends: a term that starts with a registry host (`127.0.0.1:5000/app`,
// `registry.example/team`) lists that registry's catalog and keeps the repositories whose name holds the rest;
// any other term asks Docker Hub's search (the engine's own /images/search on an engine, the same index API
// over HTTPS on the store). Results are the Engine API's shape.
import { BackendError } from '../backend';
import type { SearchResult } from '../../core/model';
import { isRegistryHost } from '../../core/reference';
import type { RegistryClient } from './registry-client';

export const HUB_SEARCH_URL = 'https://index.docker.io/v1/search';

/** Docker Hub's search as a backend asks it: the engine's /images/search, or the index API directly. */
export type HubSearch = (term: string, limit: number, signal?: AbortSignal) => Promise<SearchResult[]>;

/** A backend's searchImages: the registry's catalog for a term that starts with a host, else `hub`. */
export function searchImages(client: RegistryClient, hub: HubSearch, term: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<SearchResult[]> {
  const limit = options.limit ?? 25;
  const registry = registryTerm(term);
  if (registry) return searchCatalog(client, registry.registry, registry.text, limit, options.signal);
  return hub(term.trim(), limit, options.signal);
}

/** `host[:port]/rest` when the term names a registry host first (a dot, a port or localhost), else undefined. */
export function registryTerm(term: string): { registry: string; text: string } | undefined {
  const t = term.trim();
  const slash = t.indexOf('/');
  const first = slash < 0 ? t : t.slice(0, slash);
  if (!isRegistryHost(first)) return undefined;
  return { registry: first.toLowerCase(), text: slash < 0 ? '' : t.slice(slash + 1).toLowerCase() };
}

/** Repositories of `registry` whose name contains `text`, as search results (`registry/name`). */
export async function searchCatalog(client: RegistryClient, registry: string, text: string, limit: number, signal?: AbortSignal): Promise<SearchResult[]> {
  const repos = await client.catalog(registry, 10_000, signal);
  return repos
    .filter((name) => name.toLowerCase().includes(text))
    .sort((a, b) => (a.startsWith(text) === b.startsWith(text) ? a.localeCompare(b) : a.startsWith(text) ? -1 : 1))
    .slice(0, limit)
    .map((name) => ({ name: `${registry}/${name}`, description: '', star_count: 0, is_official: false, is_automated: false }));
}

/** The rows of a search answer, whoever gave it; anything not a row is dropped, a missing field defaulted. */
export function searchRows(body: unknown): SearchResult[] {
  const rows = Array.isArray(body) ? body : Array.isArray((body as { results?: unknown })?.results) ? (body as { results: unknown[] }).results : undefined;
  if (!rows) throw new BackendError('failed', 'The search answered something that is not a list of images.');
  return rows
    .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object' && typeof (r as { name?: unknown }).name === 'string')
    .map((r) => ({
      name: r.name as string,
      description: typeof r.description === 'string' ? r.description : '',
      star_count: typeof r.star_count === 'number' ? r.star_count : 0,
      is_official: r.is_official === true,
      is_automated: r.is_automated === true,
    }));
}

/** Docker Hub's search, as dockerd asks it. */
export async function searchDockerHub(term: string, limit: number, signal?: AbortSignal, doFetch: typeof fetch = fetch): Promise<SearchResult[]> {
  const url = new URL(HUB_SEARCH_URL);
  url.searchParams.set('q', term);
  url.searchParams.set('n', String(limit));
  let res: Response;
  try {
    res = await doFetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000) });
  } catch (e) {
    if (signal?.aborted) throw new BackendError('cancelled', 'The search was cancelled.');
    throw new BackendError('unreachable', 'Docker Hub cannot be reached to search; to search a registry of your own, start the term with its host (registry.example/name).', String(e));
  }
  if (!res.ok) throw new BackendError('failed', `Docker Hub answered ${res.status} to the search for "${term}".`);
  return searchRows(await res.json().catch(() => undefined)).slice(0, limit);
}
