// Podman's spellings of short names.
import { hasRegistry } from '../../core/reference';

/**
 * The names Podman may have stored a short name under: `x` as docker.io/library/x or localhost/x, `a/x` as
 * docker.io/a/x or localhost/a/x. Empty for names with a registry, and for IDs.
 */
export function podmanCandidates(ref: string): string[] {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref) || hasRegistry(ref)) return [];
  return ref.includes('/') ? [`docker.io/${ref}`, `localhost/${ref}`] : [`docker.io/library/${ref}`, `localhost/${ref}`];
}
