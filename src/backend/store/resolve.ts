// Finding an image the way `docker image inspect` does: a full ID, then a name[:tag] or name@digest, then an
// ID prefix (unique among the store's images).
import { BackendError } from '../backend';
import { idPrefix, parseDigest } from '../../core/digest';
import { familiarString, parseReference } from '../../core/reference';
import type { StoreLayout } from './layout';
import { listImageIds } from './records';
import type { Repositories } from './repositories';

export interface Resolved {
  id: string;
  /** The familiar ref when `input` named a tag or digest, undefined for an ID. */
  ref?: string;
}

/** The engine's sentence: a name is given with the tag it was looked up by (`No such image: nope:latest`). */
export function notFound(input: string): BackendError {
  const ref = parseDigest(input) || /^[a-f0-9]{64}$/.test(input) ? undefined : parseReference(input);
  return new BackendError('not-found', `No such image: ${ref ? familiarString(ref, true) : input}`);
}

/** `known`: the store's image IDs when the caller has them (a snapshot); else imagedb is listed. */
export async function resolveImage(layout: StoreLayout, repos: Repositories, input: string, known?: ReadonlyMap<string, unknown>): Promise<Resolved> {
  const listed = known ? undefined : new Set(await listImageIds(layout));
  const has = (id: string) => (known ? known.has(id) : listed!.has(id));
  const full = parseDigest(input) ?? (/^[a-f0-9]{64}$/.test(input) ? parseDigest('sha256:' + input) : undefined);
  if (full) {
    const id = 'sha256:' + full.hex;
    if (has(id)) return { id };
    throw notFound(input);
  }
  const ref = parseReference(input);
  if (ref) {
    const name = familiarString(ref, true);
    const id = repos.get(name);
    if (id && has(id)) return { id, ref: name };
  }
  const prefix = ref?.tag || ref?.digest ? undefined : idPrefix(input);
  if (prefix) {
    const matches = [...(known ? known.keys() : listed!)].filter((id) => id.slice(7).startsWith(prefix));
    if (matches.length === 1) return { id: matches[0] };
    if (matches.length > 1) throw new BackendError('invalid-input', `The short ID ${input} matches ${matches.length} images; give more of it.`);
  }
  throw notFound(input);
}

/** True when `input` names the image by ID rather than by a tag or digest. */
export function isIdReference(input: string, id: string): boolean {
  const hex = input.startsWith('sha256:') ? input.slice(7) : input;
  return hex.length > 0 && id.slice(7).startsWith(hex);
}
