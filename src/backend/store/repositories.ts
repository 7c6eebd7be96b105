// repositories.json, the engine's reference store: repository → { "repo:tag" or "repo@digest" → image ID }.
// Names are kept in Docker's familiar form (`nginx:latest`, `sample/app:1.0`, `ghcr.io/x/y:1`), as the engine
// writes them, so that a reader of the file sees what `docker images` shows.
import { promises as fs } from 'fs';
import { BackendError } from '../backend';
import { familiarRepository, familiarString, parseReference, type ImageReference } from '../../core/reference';
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

  static async read(file: string): Promise<Repositories> {
    const repos = new Repositories();
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return repos;
      throw e;
    }
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
    return repos;
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

  get(ref: string): string | undefined {
    return this.refs.get(ref);
  }
  set(ref: string, id: string): string | undefined {
    const previous = this.refs.get(ref);
    this.refs.set(ref, id);
    return previous;
  }
  delete(ref: string): boolean {
    return this.refs.delete(ref);
  }
  entries(): [string, string][] {
    return [...this.refs.entries()];
  }
  /** All refs of an image, tags and digests, in sorted order. */
  refsOf(id: string): string[] {
    return [...this.refs.entries()].filter(([, v]) => v === id).map(([k]) => k).sort();
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
