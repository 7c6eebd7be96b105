// Small name helpers for the engine API: the query parameters of pull/push, and Podman's spellings of short names.

/** `name[:tag|@digest]` → the name and the tag (or digest); a port's colon is not a tag's. */
export function splitTag(ref: string): { name: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref };
}

function hasDomain(name: string): boolean {
  const first = name.split('/')[0];
  return name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/**
 * The names Podman may have stored a short name under: `x` as docker.io/library/x or localhost/x, `a/x` as
 * docker.io/a/x or localhost/a/x. Empty for names with a registry, and for IDs.
 */
export function podmanCandidates(ref: string): string[] {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref) || hasDomain(ref)) return [];
  return ref.includes('/') ? [`docker.io/${ref}`, `localhost/${ref}`] : [`docker.io/library/${ref}`, `localhost/${ref}`];
}
