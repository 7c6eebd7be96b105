// Whether a local image is the one a registry serves for its tag, from the image's RepoDigests.
import { familiarRepository, splitName, type ImageReference } from './reference';

export type Freshness = 'up-to-date' | 'outdated' | 'unknown';

/** `unknown` when the local image was never pulled from (or pushed to) that repository: nothing to compare. */
export function freshness(repoDigests: readonly string[], ref: ImageReference, remoteDigest: string): Freshness {
  const names = new Set([familiarRepository(ref), `${ref.registry}/${ref.path}`]);
  const local = repoDigests.filter((d) => names.has(splitName(d).repository));
  if (local.length === 0) return 'unknown';
  return local.some((d) => d.endsWith(`@${remoteDigest}`)) ? 'up-to-date' : 'outdated';
}
