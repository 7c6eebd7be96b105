// Reading what the store holds: image configs (imagedb), layer chain records (layerdb) and their metadata.
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { chainIds } from '../../core/chain';
import { isSha256Hex } from '../../core/digest';
import { BackendError, userMessage } from '../backend';
import { readTextIfExists, readWhole } from './atomic';
import { parseImageConfig, type ImageConfigJson } from './image-config';
import type { StoreLayout } from './layout';
import { shortId } from '../../core/reference';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function imageChainIds(config: ImageConfigJson): string[] {
  return chainIds(config.rootfs.diff_ids, sha256Hex);
}

export interface StoredImage {
  id: string;
  raw: Buffer;
  config: ImageConfigJson;
  chainIds: string[];
}

export interface LayerRecord {
  chainId: string;
  diffId: string;
  size: number;
  parent: string;
}

/** IDs of every image in imagedb, `sha256:…`. */
export async function listImageIds(layout: StoreLayout): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.imageContent);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.filter(isSha256Hex).map((h) => 'sha256:' + h);
}

export async function readImage(layout: StoreLayout, id: string): Promise<StoredImage | undefined> {
  let raw: Buffer;
  try {
    raw = await readWhole(layout.imageConfig(id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let config: ImageConfigJson;
  try {
    config = parseImageConfig(raw, `The stored config of image ${shortId(id)}`);
  } catch (e) {
    throw new BackendError('corrupt', userMessage(e));
  }
  return { id, raw, config, chainIds: imageChainIds(config) };
}

export async function readLayer(layout: StoreLayout, chainId: string): Promise<LayerRecord | undefined> {
  const dir = layout.chainDir(chainId);
  const diff = await readTextIfExists(path.join(dir, 'diff'));
  if (diff === undefined) return undefined;
  const size = Number.parseInt((await readTextIfExists(path.join(dir, 'size'))) ?? '', 10);
  const parent = ((await readTextIfExists(path.join(dir, 'parent'))) ?? '').trim();
  return { chainId, diffId: diff.trim(), size: Number.isFinite(size) ? size : 0, parent };
}

export async function listChainIds(layout: StoreLayout): Promise<string[]> {
  try {
    return (await fs.readdir(layout.layerdbChains)).filter(isSha256Hex).map((h) => 'sha256:' + h);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function readParent(layout: StoreLayout, id: string): Promise<string> {
  return ((await readTextIfExists(path.join(layout.imageMeta(id), 'parent'))) ?? '').trim();
}

export async function readLastTagTime(layout: StoreLayout, id: string): Promise<string | undefined> {
  return (await readTextIfExists(path.join(layout.imageMeta(id), 'lastUpdated')))?.trim() || undefined;
}
