// `docker save` from the store, in the legacy layout every engine loads (<v1 id>/layer.tar, <id>.json,
// manifest.json, repositories). Layer tars stream from disk into the archive; the archive is written to a
// temp file and renamed, so a cancelled or failed save leaves no half archive behind.
import { createReadStream, createWriteStream, promises as fs } from 'fs';
import { pipeline } from 'stream/promises';
import * as tar from 'tar-stream';
import { BackendError, type WorkOptions } from '../backend';
import { familiarRepository, parseReference } from '../../core/reference';
import { tempName } from './atomic';
import type { StoreLayout } from './layout';
import { sha256Hex, type StoredImage } from './records';
import { resolveImage } from './resolve';
import type { StoreSnapshot } from './snapshot';

interface SaveItem {
  img: StoredImage;
  tags: string[];
}

/** Which images and tags the refs name, as the engine decides: a name without a tag means all its tags. */
async function selectImages(layout: StoreLayout, snap: StoreSnapshot, refs: string[]): Promise<SaveItem[]> {
  const items = new Map<string, SaveItem>();
  const add = (id: string, tag?: string) => {
    const img = snap.byId.get(id);
    if (!img) return;
    const item = items.get(id) ?? { img, tags: [] };
    if (tag && !item.tags.includes(tag)) item.tags.push(tag);
    items.set(id, item);
  };
  for (const input of refs) {
    const parsed = parseReference(input);
    if (parsed && !parsed.tag && !parsed.digest && !/^(sha256:)?[a-f0-9]+$/.test(input)) {
      const repo = familiarRepository(parsed);
      const matches = snap.repos.entries().filter(([r]) => !r.includes('@') && r.startsWith(repo + ':') && !r.slice(repo.length + 1).includes('/'));
      if (matches.length) {
        for (const [r, id] of matches) add(id, r);
        continue;
      }
    }
    const { id, ref } = await resolveImage(layout, snap.repos, input);
    add(id, ref && !ref.includes('@') ? ref : undefined);
  }
  return [...items.values()];
}

export async function saveImages(layout: StoreLayout, snap: StoreSnapshot, refs: string[], target: string, options: WorkOptions = {}): Promise<void> {
  if (refs.length === 0) throw new BackendError('invalid-input', 'Name at least one image to save.');
  const items = await selectImages(layout, snap, refs);
  const temp = tempName(target);
  const pack = tar.pack();
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, createWriteStream(temp), { signal: options.signal });
  type EntryHeader = { name: string; mode: number; type?: 'directory' | 'symlink'; linkname?: string };
  const entry = (header: EntryHeader, body?: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ ...header, mtime: new Date(0), uid: 0, gid: 0 }, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())),
    );
  const streamEntry = async (name: string, file: string, size: number) => {
    const sink = pack.entry({ name, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 });
    await pipeline(createReadStream(file), sink as unknown as NodeJS.WritableStream);
  };
  const work = (async () => {
    const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const writtenV1 = new Map<string, string>();
    const diffPaths = new Map<string, string>();
    let done = 0;
    const total = items.reduce((n, i) => n + i.img.chainIds.length, 0);
    for (const { img, tags } of items) {
      const layers: string[] = [];
      let parent = '';
      for (const [i, chainId] of img.chainIds.entries()) {
        if (options.signal?.aborted) throw new BackendError('cancelled', 'The save was cancelled.');
        const diffId = img.config.rootfs.diff_ids[i];
        const top = i === img.chainIds.length - 1;
        // A v1 ID per layer, as older engines want: stable for a chain and parent; the top one also names the image.
        const v1 = sha256Hex(JSON.stringify({ chainId, parent, image: top ? img.id : '' }));
        if (!writtenV1.has(v1)) {
          const json: Record<string, unknown> = { id: v1, ...(parent ? { parent } : {}), created: top ? (img.config.created ?? '1970-01-01T00:00:00Z') : '1970-01-01T00:00:00Z', os: img.config.os ?? 'linux' };
          await entry({ name: `${v1}/`, type: 'directory', mode: 0o755 });
          await entry({ name: `${v1}/VERSION`, mode: 0o644 }, Buffer.from('1.0'));
          await entry({ name: `${v1}/json`, mode: 0o644 }, Buffer.from(JSON.stringify(json)));
          const known = diffPaths.get(diffId);
          if (known) await entry({ name: `${v1}/layer.tar`, type: 'symlink', linkname: `../${known}`, mode: 0o777 });
          else {
            const file = layout.layerTar(diffId);
            const stat = await fs.stat(file).catch(() => {
              throw new BackendError('corrupt', `The data of layer ${diffId.slice(7, 19)} is missing from the store; run "image-layers check".`);
            });
            await streamEntry(`${v1}/layer.tar`, file, stat.size);
            diffPaths.set(diffId, `${v1}/layer.tar`);
          }
          writtenV1.set(v1, v1);
        }
        layers.push(`${v1}/layer.tar`);
        parent = v1;
        options.onProgress?.({ message: `Saving layer ${diffId.slice(7, 19)}`, fraction: ++done / Math.max(1, total) });
      }
      const configName = `${img.id.slice(7)}.json`;
      await entry({ name: configName, mode: 0o644 }, img.raw);
      for (const t of tags) {
        const colon = t.lastIndexOf(':');
        (repositories[t.slice(0, colon)] ??= {})[t.slice(colon + 1)] = parent;
      }
      manifest.push({ Config: configName, RepoTags: tags.length ? tags : null, Layers: layers });
    }
    await entry({ name: 'manifest.json', mode: 0o644 }, Buffer.from(JSON.stringify(manifest)));
    if (Object.keys(repositories).length) await entry({ name: 'repositories', mode: 0o644 }, Buffer.from(JSON.stringify(repositories) + '\n'));
    pack.finalize();
  })();
  try {
    await Promise.all([work, written]);
    await fs.rename(temp, target);
  } catch (e) {
    pack.destroy();
    await fs.rm(temp, { force: true });
    if (options.signal?.aborted) throw new BackendError('cancelled', 'The save was cancelled.');
    if (BackendError.is(e)) throw e;
    throw new BackendError('failed', `Could not write ${target}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
