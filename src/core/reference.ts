// Image references the way Docker reads them: `[registry/][path/]name[:tag][@digest]`, with Docker Hub's
// defaults (`nginx` is `docker.io/library/nginx:latest`) and the familiar short form Docker prints.

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `localhost` */
  registry: string;
  /** The path within the registry, with `library/` for Docker Hub's official images: `library/nginx`. */
  path: string;
  tag?: string;
  /** `sha256:<hex>` */
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** The first path component names a registry when it holds a dot or a port, or is `localhost`. */
export function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** The name is written with its registry host first (`127.0.0.1:5000/app`, `docker.io/x`), not left to the default. */
export function hasRegistry(name: string): boolean {
  const slash = name.indexOf('/');
  return slash > 0 && isRegistryHost(name.slice(0, slash));
}

/** Parses a reference; returns undefined when it is not one Docker would accept. */
export function parseReference(input: string): ImageReference | undefined {
  const trimmed = input.trim();
  if (!trimmed) return undefined;
  const { repository, tag, digest } = splitName(trimmed);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  const parts = repository.split('/');
  let registry = DEFAULT_REGISTRY;
  if (parts.length > 1 && isRegistryHost(parts[0])) registry = parts.shift() as string;
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (parts.length === 0 || !parts.every((p) => PATH_COMPONENT.test(p))) return undefined;
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift('library');
  return { registry, path: parts.join('/'), tag, digest };
}

/** `docker.io/library/nginx` → `nginx`, `docker.io/x/y` → `x/y`, others unchanged: the name Docker prints. */
export function familiarRepository(ref: Pick<ImageReference, 'registry' | 'path'>): string {
  if (ref.registry !== DEFAULT_REGISTRY) return `${ref.registry}/${ref.path}`;
  return ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice(8) : ref.path;
}

/** The full repository name: `docker.io/library/nginx`. */
export function fullRepository(ref: Pick<ImageReference, 'registry' | 'path'>): string {
  return `${ref.registry}/${ref.path}`;
}

/** The familiar string for a reference, with `:latest` when neither tag nor digest is given. */
export function familiarString(ref: ImageReference, defaultTag = true): string {
  let s = familiarRepository(ref);
  if (ref.tag) s += `:${ref.tag}`;
  else if (!ref.digest && defaultTag) s += `:${DEFAULT_TAG}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/**
 * Orders names as the engine lists RepoTags and RepoDigests: by their full names, byte by byte, so that
 * `multi-tag:v1` (docker.io/library/multi-tag:v1) comes before `example.com:5000/team/multi-tag:v1`.
 */
export function compareByFullName(a: string, b: string): number {
  const full = (name: string) => {
    const ref = parseReference(name);
    return ref ? `${fullRepository(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}` : name;
  };
  const [x, y] = [full(a), full(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A name as written, split into its repository, tag and digest, with no defaults and no checks (the engine's
 * query parameters and stored names keep the spelling they came with). A port's colon is not a tag's:
 * `127.0.0.1:5000/app:1@sha256:…` → `127.0.0.1:5000/app`, `1`, `sha256:…`.
 */
export function splitName(name: string): { repository: string; tag?: string; digest?: string } {
  const at = name.indexOf('@');
  const digest = at >= 0 ? name.slice(at + 1) : undefined;
  const rest = at >= 0 ? name.slice(0, at) : name;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { repository: rest, digest };
}

/** Splits a `repo:tag` name as found in RepoTags into its repository and tag (`latest` when it has none). */
export function splitRepoTag(repoTag: string): { repository: string; tag: string } {
  const { repository, tag } = splitName(repoTag);
  return { repository, tag: tag ?? DEFAULT_TAG };
}

/** Two references name the same repository:tag, whatever short or long form each is written in. */
export function sameTag(a: string, b: string): boolean {
  const ra = parseReference(a);
  const rb = parseReference(b);
  if (!ra || !rb) return false;
  return (
    ra.registry === rb.registry && ra.path === rb.path && (ra.tag ?? DEFAULT_TAG) === (rb.tag ?? DEFAULT_TAG)
  );
}

/** `sha256:0123456789ab…` → `0123456789ab` as `docker images` shows it. */
export function shortId(id: string): string {
  const hex = id.startsWith('sha256:') ? id.slice(7) : id;
  return hex.slice(0, 12);
}

/** Tags in the order a picker offers them: `latest` first, then newest-looking first (`1.25.3` before `1.9`). */
export function orderTags(tags: readonly string[]): string[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return [...new Set(tags)].sort((a, b) => (a === 'latest' ? -1 : b === 'latest' ? 1 : collator.compare(b, a)));
}
