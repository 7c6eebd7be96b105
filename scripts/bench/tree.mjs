// The Images view's first two levels (root = groups, their children = one entry per tag), computed as
// ImagesTreeProvider.loadRoots does: ImageCatalog.images() then arrangeImages(). src/ui imports 'vscode', so the
// same two calls are made here on the backend and core modules directly.
//  1. the built-in store with 2,000 images / 10,000 layer chains (generated once, cached under
//     ~/.cache/image-layers/bench), against reading the same files with plain readFileSync + JSON.parse;
//  2. a vfs dockerd holding 300 distinct images, against `docker images` (the CLI).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDebianPackages, ENGINE_PACKAGES } from '../lib/apt.mjs';
import { startDockerd } from '../lib/services.mjs';
import { cacheDir, cachedArchive, cachedTreeStore, ENGINE_SET, FIXTURE_VERSION, TREE_SET } from './fixtures.mjs';
import { viewModelBundle } from './bundle.mjs';
import { alternate, freshNode, timeCommand } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);
const ARRANGE = { groupBy: 'repository', sortBy: 'created', filter: '', showDangling: true };
const log = (m) => process.stderr.write(`${m}\n`);

/**
 * CommonJS source of the view's first two levels, in a fresh process, from the bundle `bundle`
 * (scripts/bench/bundle.mjs); `backend` is an expression building the backend from `m`, the bundle's exports.
 * `countLoad`: the clock starts before the bundle is required (else after: the code already loaded, as it is in
 * the extension once activated). `direct` calls backend.listImages() instead of catalog.images(), skipping only
 * the catalog's cache and its 20 s deadline.
 */
const firstLevels = (bundle, backend, { countLoad = true, direct = false } = {}) => `
let t0 = performance.now();
const m = require(${JSON.stringify(bundle)});
${countLoad ? '' : 't0 = performance.now();'}
const arrange = ${JSON.stringify(ARRANGE)};
(async () => {
  const catalog = new m.ImageCatalog(${backend});
  const images = ${direct ? 'await catalog.backend.listImages()' : 'await catalog.images()'};
  const groups = m.arrangeImages(images, arrange);
  const ms = performance.now() - t0;
  catalog.backend.dispose?.();
  console.log(JSON.stringify({ ms, images: images.length, groups: groups.length, entries: groups.reduce((n, g) => n + g.entries.length, 0) }));
})().catch((e) => { console.error(e); process.exit(1); });`;

/**
 * The Layers view in a fresh process whose Images view has listed already (untimed): the layer index (every
 * image inspected, chains and sharing computed) sorted by size, as LayersTreeProvider's root does. Reports the
 * process's memory after both views, and the same for a process that only loaded the code.
 */
const layersView = (bundle, backend) => `
const m = require(${JSON.stringify(bundle)});
const base = process.memoryUsage();
(async () => {
  const catalog = new m.ImageCatalog(${backend});
  m.arrangeImages(await catalog.images(), ${JSON.stringify(ARRANGE)});
  const t0 = performance.now();
  const rows = m.layersBySize(await catalog.layerIndex());
  const ms = performance.now() - t0;
  global.gc?.();
  const mem = process.memoryUsage();
  catalog.backend.dispose?.();
  console.log(JSON.stringify({ ms, layers: rows.length, rss: mem.rss, heap: mem.heapUsed, baseRss: base.rss, baseHeap: base.heapUsed }));
})().catch((e) => { console.error(e); process.exit(1); });`;

/**
 * The floor for the store's layout: the files the first two levels depend on (repositories.json, every image
 * config, every layer chain's size record), read with readFileSync and parsed, nothing else.
 */
const rawRead = (storeRoot) => `
const fs = require('fs');
const base = ${JSON.stringify(join(storeRoot, 'image/builtin'))};
const t0 = performance.now();
const repos = JSON.parse(fs.readFileSync(base + '/repositories.json', 'utf8'));
let configs = 0, size = 0;
for (const id of fs.readdirSync(base + '/imagedb/content/sha256')) { JSON.parse(fs.readFileSync(base + '/imagedb/content/sha256/' + id)); configs++; }
for (const c of fs.readdirSync(base + '/layerdb/sha256')) size += Number(fs.readFileSync(base + '/layerdb/sha256/' + c + '/size', 'utf8'));
console.log(JSON.stringify({ ms: performance.now() - t0, configs, repos: Object.keys(repos.Repositories).length }));`;

/**
 * The store's rows for `set` (cached as `name`): first listing, with the code's load, refresh, one expansion;
 * with `layers`, the Layers view and the memory after both views too. `goals` in ms.
 */
export async function storeRows(root, runs, { set = TREE_SET, name = 'tree', goals = { first: 150, refresh: 150 }, layers = false } = {}) {
  const t0 = Date.now();
  const storeRoot = await cachedTreeStore(root, log, set, name);
  log(`tree: store ready at ${storeRoot} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const bundle = await viewModelBundle(root);
  const storeExpr = `new m.BuiltinStore(${JSON.stringify(storeRoot)})`;
  let shape;
  const cold = await alternate(
    {
      ours: () => {
        shape = freshNode(firstLevels(bundle, storeExpr, { direct: true, countLoad: false }));
        return shape.ms;
      },
      withLoad: () => freshNode(firstLevels(bundle, storeExpr, { direct: true })).ms,
      peer: () => freshNode(rawRead(storeRoot)).ms,
    },
    runs,
  );
  log(`tree: store gives ${shape.images} images in ${shape.groups} groups, ${shape.entries} entries`);

  // Warm: one store instance, a refresh each time (the catalog dropped, as refresh() does), in this process.
  const { BuiltinStore } = require(join(root, 'out/src/backend/store/index.js'));
  const { ImageCatalog } = require(join(root, 'out/src/backend/catalog.js'));
  const { arrangeImages } = require(join(root, 'out/src/core/arrange.js'));
  const catalog = new ImageCatalog(new BuiltinStore(storeRoot));
  const peerWarm = new Function('require', 'performance', rawRead(storeRoot).replace('console.log(', 'return ('));
  const warm = await alternate(
    {
      ours: async () => {
        const t = performance.now();
        catalog.invalidate();
        arrangeImages(await catalog.backend.listImages(), ARRANGE);
        return performance.now() - t;
      },
      peer: () => JSON.parse(peerWarm(require, performance)).ms,
    },
    runs,
  );

  // Expanding one image: ImageCatalog.detailsOf (inspect + history), against reading that image's config and
  // its layer records. One round: on this store it takes as long as the list.
  const one = (await catalog.backend.listImages())[0];
  const expand = await alternate(
    {
      ours: async () => {
        const t = performance.now();
        catalog.invalidate();
        await catalog.detailsOf(one.Id);
        return performance.now() - t;
      },
      peer: () => {
        const fs = require('node:fs');
        const base = join(storeRoot, 'image/builtin');
        const t = performance.now();
        const config = JSON.parse(fs.readFileSync(join(base, 'imagedb/content/sha256', one.Id.slice(7))));
        let chain = '';
        const { createHash } = require('node:crypto');
        for (const d of config.rootfs.diff_ids) {
          chain = chain ? 'sha256:' + createHash('sha256').update(`${chain} ${d}`).digest('hex') : d;
          for (const f of ['diff', 'size', 'parent']) {
            try {
              fs.readFileSync(join(base, 'layerdb/sha256', chain.slice(7), f));
            } catch {
              // no parent for the first layer
            }
          }
        }
        return performance.now() - t;
      },
    },
    1,
  );
  const n = `${set.count} images`;
  // ImageCatalog.images() gives up after 20 s (LIST_DEADLINE_MS): the view then shows an error instead.
  const late = (t) => (t > 20_000 ? ' past the 20 s list deadline' : '');
  const rows = [
    { name: `store tree, first listing (${n})${late(cold.median('ours'))}`, ours: ms(cold.median('ours')), peerName: 'readFileSync of the same files', peer: ms(cold.median('peer')), ratio: cold.ratio('ours', 'peer'), goal: `< ${goals.first} ms`, ok: cold.median('ours') < goals.first },
    { name: `store tree, first listing + loading the code`, ours: ms(cold.median('withLoad')), peerName: 'readFileSync of the same files', peer: ms(cold.median('peer')), ratio: cold.ratio('withLoad', 'peer') },
    { name: `store tree, refresh (${n})${late(warm.median('ours'))}`, ours: ms(warm.median('ours')), peerName: 'readFileSync of the same files', peer: ms(warm.median('peer')), ratio: warm.ratio('ours', 'peer'), goal: `< ${goals.refresh} ms`, ok: warm.median('ours') < goals.refresh },
    { name: `store expand one image (${n})`, ours: ms(expand.median('ours')), peerName: "readFileSync of that image's files", peer: ms(expand.median('peer')), ratio: expand.ratio('ours', 'peer') },
  ];
  if (layers) {
    let last;
    const view = await alternate(
      {
        ours: () => {
          last = freshNode(layersView(bundle, storeExpr), [], { nodeArgs: ['--expose-gc'] });
          return last.ms;
        },
        peer: () => freshNode(rawRead(storeRoot)).ms,
      },
      runs,
    );
    const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`;
    rows.push(
      { name: `store Layers view (${n}, ${last.layers} layers)`, ours: ms(view.median('ours')), peerName: 'readFileSync of the same files', peer: ms(view.median('peer')), ratio: view.ratio('ours', 'peer'), goal: `< ${goals.layers} ms`, ok: view.median('ours') < goals.layers },
      { name: `memory after the Images and Layers views (${n}), RSS`, ours: mib(last.rss), peerName: 'the code loaded, nothing listed', peer: mib(last.baseRss), ratio: last.rss / last.baseRss },
      { name: `memory after the Images and Layers views (${n}), JS heap`, ours: mib(last.heap), peerName: 'the code loaded, nothing listed', peer: mib(last.baseHeap), ratio: last.heap / last.baseHeap },
    );
  }
  return rows;
}

/** dockerd's rows for `set`: first listing (with and without the code's load), refresh, one expansion. */
export async function engineRows(root, runs, set = ENGINE_SET) {
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => p.bin === 'dockerd'));
  const archive = await cachedArchive(root, `engine-${set.count}`, set);
  // dockerd's data root is kept in the cache folder (on disk): loading 300 images into vfs takes ~45 s here,
  // so it is done once; a later run finds them and loads again only when some are missing.
  const dir = join(cacheDir(), FIXTURE_VERSION, `dockerd-${set.count}`);
  let dockerd;
  try {
    dockerd = await startDockerd(dir);
    const docker = (...args) => execFileSync('docker', ['-H', dockerd.host, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const distinct = () => new Set(docker('images', '-q', '--no-trunc').trim().split('\n').filter(Boolean)).size;
    let count = distinct();
    if (count < set.count) {
      const t0 = Date.now();
      docker('load', '-q', '-i', archive);
      count = distinct();
      log(`tree: loaded ${count} images into dockerd in ${((Date.now() - t0) / 1000).toFixed(1)} s (kept in ${dir})`);
    }
    if (count < set.count) throw new Error(`dockerd holds ${count} images, expected ${set.count}`);

    const bundle = await viewModelBundle(root);
    const backendExpr = `new m.DockerBackend({ host: ${JSON.stringify(dockerd.host)} })`;
    const dockerImages = () => timeCommand('docker', ['-H', dockerd.host, 'images']);
    let shape;
    const cold = await alternate(
      {
        ours: () => {
          shape = freshNode(firstLevels(bundle, backendExpr));
          return shape.ms;
        },
        peer: dockerImages,
      },
      runs,
    );
    // The same with the code already loaded (as in the extension after activation): a new connection, the
    // engine kind asked, the list and the arrangement.
    const preloaded = await alternate({ ours: () => freshNode(firstLevels(bundle, backendExpr, { countLoad: false })).ms, peer: dockerImages }, runs);
    log(`tree: dockerd (${count} images) gives ${shape.images} images in ${shape.groups} groups, ${shape.entries} entries`);

    const { DockerBackend } = require(join(root, 'out/src/backend/docker/index.js'));
    const { ImageCatalog } = require(join(root, 'out/src/backend/catalog.js'));
    const { arrangeImages } = require(join(root, 'out/src/core/arrange.js'));
    const backend = new DockerBackend({ host: dockerd.host });
    const catalog = new ImageCatalog(backend);
    await catalog.images(); // dockerode loaded, engine kind known: what a refresh finds
    const warm = await alternate(
      {
        ours: async () => {
          const t = performance.now();
          catalog.invalidate();
          arrangeImages(await catalog.images(), ARRANGE);
          return performance.now() - t;
        },
        peer: dockerImages,
      },
      runs * 2,
    );
    const one = (await catalog.images()).find((i) => i.RepoTags.length)?.RepoTags[0];
    const expand = await alternate(
      {
        ours: async () => {
          const t = performance.now();
          catalog.invalidate();
          const image = (await backend.inspectImage(one)).Id;
          await catalog.detailsOf(image);
          return performance.now() - t;
        },
        peer: () => timeCommand('docker', ['-H', dockerd.host, 'image', 'inspect', one]) + timeCommand('docker', ['-H', dockerd.host, 'history', one]),
      },
      runs * 2,
    );
    backend.dispose();
    const n = `${count} images`;
    return [
      { name: `dockerd tree, first listing (${n})`, ours: ms(preloaded.median('ours')), peerName: 'docker images', peer: ms(preloaded.median('peer')), ratio: preloaded.ratio('ours', 'peer'), goal: '<= 1.5x', ok: preloaded.ratio('ours', 'peer') <= 1.5 },
      { name: `dockerd tree, first listing + loading the code`, ours: ms(cold.median('ours')), peerName: 'docker images', peer: ms(cold.median('peer')), ratio: cold.ratio('ours', 'peer') },
      { name: `dockerd tree, refresh (${n})`, ours: ms(warm.median('ours')), peerName: 'docker images', peer: ms(warm.median('peer')), ratio: warm.ratio('ours', 'peer'), goal: '<= 1.5x', ok: warm.ratio('ours', 'peer') <= 1.5 },
      { name: 'dockerd expand one image', ours: ms(expand.median('ours')), peerName: 'docker image inspect + docker history', peer: ms(expand.median('peer')), ratio: expand.ratio('ours', 'peer') },
    ];
  } finally {
    await dockerd?.stop();
  }
}

export async function treeBench(root, runs = Number(process.env.BENCH_RUNS) || 3) {
  const rows = await storeRows(root, runs);
  rows.push(...(await engineRows(root, Math.max(runs, 5))));
  return rows;
}
