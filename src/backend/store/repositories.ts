// repositories.json, the engine's reference store: repository → { "repo:tag" or "repo@digest" → image ID }.
// Names are kept in Docker's familiar form (`nginx:latest`, `sample/app:1.0`, `ghcr.io/x/y:1`), as the engine
// writes them, so that a reader of the file sees what `docker images` shows.
import { promises as fs } from 'fs';
import { BackendError } from '../backend';
import { compareByFullName, familiarRepository, familiarString, parseReference, type ImageReference } from '../../core/reference';
import { writeJsonAtomic } from './atomic';

export interface RepositoriesFile {
  Repositories: Record<string, Record<string, string>>;
}

export function familiarRef(ref: ImageReference): string {
  return familiarString(ref, true);
}

export class Repositories {
  /** familiar ref → image ID */
  private readonly refs = new Map<string, string>();
  /** image ID → its refs, sorted by full name as the engine lists them; kept in step with `refs` (the views ask per image, 2,000 times a listing). */
  private readonly byId = new Map<string, string[]>();

  static async read(file: string): Promise<Repositories> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Repositories();
      throw e;
    }
    return Repositories.parse(text, file);
  }

  static parse(text: string, file: string): Repositories {
    const repos = new Repositories();
    let parsed: RepositoriesFile;
    try {
      parsed = JSON.parse(text) as RepositoriesFile;
    } catch (e) {
      throw new BackendError('corrupt', `The store's tag list (${file}) is not valid JSON.`, String(e));
    }
    for (const byRef of Object.values(parsed?.Repositories ?? {})) {
      for (const [ref, id] of Object.entries(byRef ?? {})) {
        if (typeof id === 'string') repos.refs.set(ref, id);
      }
    }
    for (const [ref, id] of repos.refs) {
      const list = repos.byId.get(id);
      if (list) list.push(ref);
      else repos.byId.set(id, [ref]);
    }
    for (const list of repos.byId.values()) list.sort(compareByFullName);
    return repos;
  }

  /** A copy to change without touching this one (a writer's, while readers share the cached one). */
  clone(): Repositories {
    const copy = new Repositories();
    for (const [ref, id] of this.refs) copy.refs.set(ref, id);
    for (const [id, list] of this.byId) copy.byId.set(id, [...list]);
    return copy;
  }

  async write(file: string): Promise<void> {
    const out: RepositoriesFile = { Repositories: {} };
    // Sorted, as Go's encoding/json writes maps.
    for (const ref of [...this.refs.keys()].sort()) {
      const parsed = parseReference(ref);
      const repo = parsed ? familiarRepository(parsed) : ref;
      (out.Repositories[repo] ??= {})[ref] = this.refs.get(ref) as string;
    }
    const sorted: RepositoriesFile = { Repositories: {} };
    for (const repo of Object.keys(out.Repositories).sort()) sorted.Repositories[repo] = out.Repositories[repo];
    await writeJsonAtomic(file, sorted);
  }

  private unlink(ref: string, id: string): void {
    const list = this.byId.get(id);
    if (!list) return;
    const i = list.indexOf(ref);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.byId.delete(id);
  }

  get(ref: string): string | undefined {
    return this.refs.get(ref);
  }
  set(ref: string, id: string): string | undefined {
    const previous = this.refs.get(ref);
    if (previous === id) return previous;
    if (previous !== undefined) this.unlink(ref, previous);
    this.refs.set(ref, id);
    const list = this.byId.get(id);
    if (list) {
      list.push(ref);
      list.sort(compareByFullName);
    } else this.byId.set(id, [ref]);
    return previous;
  }
  delete(ref: string): boolean {
    const id = this.refs.get(ref);
    if (id === undefined) return false;
    this.unlink(ref, id);
    return this.refs.delete(ref);
  }
  entries(): [string, string][] {
    return [...this.refs.entries()];
  }
  /** All refs of an image, tags and digests, in the engine's order (by full name). */
  refsOf(id: string): string[] {
    return [...(this.byId.get(id) ?? [])];
  }
  hasRefs(id: string): boolean {
    return this.byId.has(id);
  }
  tagsOf(id: string): string[] {
    return this.refsOf(id).filter((r) => !r.includes('@'));
  }
  digestsOf(id: string): string[] {
    return this.refsOf(id).filter((r) => r.includes('@'));
  }
  referencedIds(): Set<string> {
    return new Set(this.refs.values());
  }
}
