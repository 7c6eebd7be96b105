// `docker rmi` and `docker image prune` with the engine's rules (daemon/images/image_delete.go): removing by
// tag untags, and deletes only when no reference is left; removing by ID deletes, refusing without force
// when several repositories still name the image; layers go when no remaining image uses them.
import { promises as fs } from 'fs';
import { BackendError, type RemoveOptions } from '../backend';
import { parseReference, shortId, splitName } from '../../core/reference';
import type { PruneReport, RemoveReportItem } from '../../core/model';
import { fsyncDir } from './atomic';
import type { StoreLayout } from './layout';
import { resolveImage } from './resolve';
import type { StoreSnapshot } from './snapshot';
import { updateSummary } from './summary';

const repoName = (ref: string) => splitName(ref).repository;

/** Docker's isSingleReference: one tag (plus digests of that same repository), or exactly one reference. */
function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tags = refs.filter((r) => !r.includes('@'));
  if (tags.length > 1) return false;
  const digestRepos = new Set(refs.filter((r) => r.includes('@')).map(repoName));
  const single = tags[0] ?? refs[0];
  return digestRepos.size === 1 && digestRepos.has(repoName(single));
}

export class Remover {
  readonly records: RemoveReportItem[] = [];
  private reposDirty = false;
  private imagesDeleted = false;
  reclaimed = 0;

  constructor(
    private readonly layout: StoreLayout,
    private readonly snap: StoreSnapshot,
  ) {}

  private untag(ref: string): void {
    this.snap.repos.delete(ref);
    this.reposDirty = true;
    this.records.push({ Untagged: ref });
  }

  async removeByInput(input: string, options: RemoveOptions = {}): Promise<void> {
    const { id, ref } = await resolveImage(this.layout, this.snap.repos, input, this.snap.byId);
    const prune = !options.noPrune;
    if (ref) {
      this.untag(ref);
      if (!ref.includes('@')) {
        const name = repoName(ref);
        const remaining = this.snap.repos.refsOf(id);
        if (!remaining.some((r) => !r.includes('@') && repoName(r) === name)) {
          for (const r of remaining) if (r.includes('@') && repoName(r) === name) this.untag(r);
        }
      }
      if (this.snap.repos.refsOf(id).length > 0) return;
    } else {
      const refs = this.snap.repos.refsOf(id);
      if (isSingleReference(refs)) {
        this.checkConflicts(id, true);
        for (const r of refs) this.untag(r);
      }
    }
    await this.deleteImage(id, options.force === true, prune, false);
  }

  /** Throws the engine's conflict errors; `hardOnly` skips the "several repositories" check. */
  private checkConflicts(id: string, hardOnly: boolean): void {
    if (this.snap.children(id).length > 0) {
      throw new BackendError('conflict', `conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
    }
    if (!hardOnly && this.snap.repos.refsOf(id).length > 0) {
      throw new BackendError('conflict', `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
    }
  }

  async deleteImage(id: string, force: boolean, prune: boolean, quiet: boolean): Promise<void> {
    try {
      this.checkConflicts(id, force);
    } catch (e) {
      if (quiet) return;
      throw e;
    }
    const parent = this.snap.parents.get(id);
    for (const r of this.snap.repos.refsOf(id)) this.untag(r);
    // Tags first: should we stop half-way, what is left is an untagged image, a state the store knows.
    await this.flushRepositories();
    const img = this.snap.byId.get(id);
    await fs.rm(this.layout.imageConfig(id), { force: true });
    await fs.rm(this.layout.imageMeta(id), { recursive: true, force: true });
    await fsyncDir(this.layout.imageContent).catch(() => undefined);
    this.snap.forget(id);
    this.imagesDeleted = true;
    this.records.push({ Deleted: id });
    if (img) await this.releaseLayers(img.chainIds);
    if (prune && parent && this.snap.byId.has(parent)) await this.deleteImage(parent, false, true, true);
  }

  private async releaseLayers(chains: string[]): Promise<void> {
    const alive = this.snap.chainRefs();
    const aliveDiffs = new Set<string>();
    for (const c of alive.keys()) {
      const rec = this.snap.layers.get(c);
      if (rec) aliveDiffs.add(rec.diffId);
    }
    for (const chainId of [...chains].reverse()) {
      if (alive.has(chainId)) continue;
      const rec = this.snap.layers.get(chainId);
      await fs.rm(this.layout.chainDir(chainId), { recursive: true, force: true });
      this.snap.layers.delete(chainId);
      this.records.push({ Deleted: chainId });
      this.reclaimed += rec?.size ?? 0;
      if (rec && !aliveDiffs.has(rec.diffId)) {
        await fs.rm(this.layout.layerTar(rec.diffId), { force: true });
        aliveDiffs.add(rec.diffId); // removed once
      }
    }
  }

  async flushRepositories(): Promise<void> {
    if (!this.reposDirty) return;
    await this.snap.repos.write(this.layout.repositories);
    this.reposDirty = false;
  }

  /** Tags written, and the summary index brought in line with the images deleted. */
  async finish(): Promise<void> {
    await this.flushRepositories();
    if (this.imagesDeleted) await updateSummary(this.layout);
    this.imagesDeleted = false;
  }
}

export async function pruneImages(layout: StoreLayout, snap: StoreSnapshot, danglingOnly: boolean): Promise<PruneReport> {
  const remover = new Remover(layout, snap);
  const candidates = snap.images().filter((img) => !danglingOnly || snap.children(img.id).length === 0);
  for (const img of candidates) {
    if (!snap.byId.has(img.id)) continue;
    const refs = snap.repos.refsOf(img.id);
    try {
      if (refs.length === 0) await remover.deleteImage(img.id, false, true, false);
      else if (!danglingOnly) for (const r of refs) if (snap.byId.has(img.id)) await remover.removeByInput(r);
    } catch (e) {
      if (!BackendError.is(e, 'conflict')) throw e;
    }
  }
  await remover.finish();
  return { ImagesDeleted: remover.records, SpaceReclaimed: remover.reclaimed };
}

export function validateTagTarget(repo: string, tag: string): string {
  const full = tag ? `${repo}:${tag}` : repo;
  const ref = parseReference(full);
  if (!ref || ref.digest) throw new BackendError('invalid-input', `"${full}" is not a valid repository:tag name.`);
  if (/^[a-f0-9]{64}$/.test(ref.path.split('/').pop() ?? '') && ref.registry === 'docker.io') {
    throw new BackendError('invalid-input', `"${full}" looks like an image ID and cannot be used as a repository name.`);
  }
  return full;
}
