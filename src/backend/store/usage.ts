// `docker system df -v` for the store: per-image shared sizes computed across images, the total of all
// layers, and the bytes on disk of each part of the store (as `du` counts them).
import { promises as fs } from 'fs';
import * as path from 'path';
import type { DiskUsage } from '../../core/model';
import type { StoreLayout } from './layout';
import type { StoreSnapshot } from './snapshot';

/** Disk usage of a folder in bytes of allocated blocks, like `du -s`. */
export async function du(target: string): Promise<number> {
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) return;
    total += st.blocks * 512;
    if (st.isDirectory()) for (const name of await fs.readdir(p).catch(() => [] as string[])) await walk(path.join(p, name));
  };
  await walk(target);
  return total;
}

export async function diskUsage(layout: StoreLayout, snap: StoreSnapshot): Promise<DiskUsage> {
  const refs = snap.chainRefs();
  const images = snap.images().map((img) => {
    const shared = img.chainIds.reduce((n, c) => n + ((refs.get(c) ?? 0) > 1 ? snap.layerSize(c) : 0), 0);
    return snap.summary(img, shared);
  });
  images.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
  const LayersSize = [...snap.layers.values()].reduce((n, l) => n + l.size, 0);
  const Parts = [
    { name: 'imagedb', path: layout.imagedb, bytes: await du(layout.imagedb) },
    { name: 'layerdb', path: layout.layerdb, bytes: await du(layout.layerdb) },
    { name: 'layers', path: path.dirname(layout.layerData), bytes: await du(path.dirname(layout.layerData)) },
  ];
  return { LayersSize, Images: images, Parts };
}
