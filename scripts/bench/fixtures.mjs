// Generated data for the benchmarks: many small images (for the Images view) and one large image (for loads),
// written as `docker save` archives by test/fixtures/archives.ts (compiled to out/). Deterministic: the same
// version string always gives the same bytes, so a store built once is cached and reused across runs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Bump when the generated images change: cached stores and archives under another key are ignored. */
export const FIXTURE_VERSION = 'v1';

export function cacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'image-layers', 'bench');
}

function fixtures(root) {
  return require(join(root, 'out/test/fixtures/archives.js'));
}

const registries = (r) =>
  r % 5 === 0 ? `ghcr.io/org${r}/app` : r % 5 === 1 ? `registry.example.com:5000/team/svc${r}` : r % 5 === 2 ? `app${r}` : `lib${r}/app`;

/**
 * `count` images on `bases` shared two-layer bases; each image adds `ownLayers(j)` tiny layers of its own.
 * Tags: `repos` repositories across Docker Hub, ghcr.io and a private registry; the first image of each repository
 * also carries `latest`; every 100th image is untagged (dangling).
 */
export function manyImages({ count, bases, repos, ownLayers }) {
  const file = (path, text) => ({ path, content: text });
  const baseLayers = [];
  for (let b = 0; b < bases; b++) {
    baseLayers.push([
      { files: [{ path: 'etc', type: 'dir' }, file('etc/os-release', `NAME="Bench OS ${b}"\nID=bench${b}\n`)] },
      { files: [{ path: 'usr', type: 'dir' }, file(`usr/base-${b}.txt`, `base ${b} library\n`.repeat(8))] },
    ]);
  }
  const images = [];
  for (let j = 0; j < count; j++) {
    const r = j % repos;
    const layers = [...baseLayers[j % bases]];
    for (let k = 0; k < ownLayers(j); k++) layers.push({ files: [{ path: 'app', type: 'dir' }, file(`app/part-${k}.txt`, `image ${j} layer ${k}\n`)] });
    const tags = j % 100 === 99 ? [] : [`${registries(r)}:v${j}`, ...(j < repos ? [`${registries(r)}:latest`] : [])];
    const day = new Date(Date.UTC(2023, 0, 1) + j * 3_600_000 * 7).toISOString().replace('.000', '');
    images.push({
      tags,
      layers,
      created: day,
      config: { Env: ['PATH=/usr/bin:/bin', `IMAGE=${j}`], Cmd: ['/app/run'], Labels: { 'bench.index': String(j) } },
    });
  }
  return images;
}

/** The Images-view data set: 2,000 images, 10,000 layer chains (200 shared base layers, 9,800 own). */
export const TREE_SET = { count: 2000, bases: 100, repos: 250, ownLayers: (j) => (j < 1800 ? 5 : 4) };
/** The engine data set: 300 distinct images (one own layer each on 10 shared bases). */
export const ENGINE_SET = { count: 300, bases: 10, repos: 60, ownLayers: () => 1 };
/** The scale data sets: 10,000 images and 50,000 layer chains in the store; 1,000 images on an engine. */
export const SCALE_SET = { count: 10_000, bases: 500, repos: 1000, ownLayers: (j) => (j < 9000 ? 5 : 4) };
export const ENGINE_SCALE_SET = { count: 1000, bases: 20, repos: 200, ownLayers: () => 1 };

/** A `docker save` archive of `set`, cached under the bench cache folder. */
export async function cachedArchive(root, name, set) {
  const dir = join(cacheDir(), FIXTURE_VERSION);
  const archive = join(dir, `${name}.tar`);
  if (existsSync(archive)) return archive;
  mkdirSync(dir, { recursive: true });
  const partial = `${archive}.${process.pid}.partial`;
  await fixtures(root).writeDockerSaveArchive(partial, manyImages(set));
  renameSync(partial, archive);
  return archive;
}

/**
 * A built-in store holding `set` (TREE_SET unless said), cached under ~/.cache/image-layers/bench/<version>/
 * <name>-store. Built by BuiltinStore.loadArchive on tmpfs (where fsync is free), then copied to the cache on disk.
 */
export async function cachedTreeStore(root, log = () => {}, set = TREE_SET, name = 'tree') {
  const { BuiltinStore, STORE_VERSION, SUMMARY_VERSION } = require(join(root, 'out/src/backend/store/index.js'));
  const dir = join(cacheDir(), FIXTURE_VERSION);
  // The summary's version too: a store migrated by one branch would be migrated back, inside timed rows, by another.
  const storeRoot = join(dir, `${name}-store-${STORE_VERSION}-s${SUMMARY_VERSION}`);
  if (existsSync(join(storeRoot, '.complete'))) return storeRoot;
  rmSync(storeRoot, { recursive: true, force: true });
  const t0 = Date.now();
  const archive = await cachedArchive(root, `${name}-${set.count}`, set);
  log(`tree: generated archive in ${((Date.now() - t0) / 1000).toFixed(1)} s; loading it into a store (once, then cached)`);
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : dir;
  const building = join(scratch, `il-bench-tree-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  try {
    const t1 = Date.now();
    await new BuiltinStore(building).loadArchive(archive);
    log(`tree: loaded in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    mkdirSync(dir, { recursive: true });
    execFileSync('cp', ['-a', building, storeRoot]);
    writeFileSync(join(storeRoot, '.complete'), new Date().toISOString());
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return storeRoot;
}

/**
 * One large image: `layers` layers of `layerMiB` MiB of random (incompressible) bytes each, uncompressed in the
 * archive as `docker save` writes them.
 */
export async function largeArchive(root, path, { layers = 5, layerMiB = 80 } = {}) {
  const fixtureLayers = [];
  for (let i = 0; i < layers; i++) {
    fixtureLayers.push({ files: [{ path: 'data', type: 'dir' }, { path: `data/blob-${i}.bin`, content: randomBytes(layerMiB << 20) }] });
  }
  await fixtures(root).writeDockerSaveArchive(path, [{ tags: ['bench/large:1'], layers: fixtureLayers }]);
  return path;
}
