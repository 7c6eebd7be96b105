// Layer Files' first view of a large gzip layer: the blob inflated (codec.tarOf, as an engine's save of a
// containerd-store image hands it over) and listed into entries with each file's contents hashed
// (readLayerEntries), against GNU `tar -tzvf` of the same blob (gzip in its own process, tar listing).
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipLayer } from './gzip-layer.mjs';
import { alternate, timeCommand } from './measure.mjs';
import { ms } from './stats.mjs';

const require = createRequire(import.meta.url);

export async function scanBench(root, runs = Math.max(5, Number(process.env.BENCH_RUNS) || 5)) {
  const { tarOf } = require(join(root, 'out/src/backend/codec.js'));
  const { readLayerEntries } = require(join(root, 'out/src/backend/layer-contents.js'));
  const { file: blob } = await gzipLayer();
  let entries = 0;
  const ours = async () => {
    const t = performance.now();
    const { tar } = await tarOf(createReadStream(blob, { highWaterMark: 1 << 20 }), 'The layer');
    const listed = await readLayerEntries(tar);
    if (listed.truncated) throw new Error(listed.truncated);
    entries = listed.entries.length;
    return performance.now() - t;
  };
  const tar = () => timeCommand('tar', ['-tzvf', blob]);
  // One untimed round: the blob into the page cache, the code compiled.
  await ours();
  tar();
  const r = await alternate({ ours, tar }, runs);
  const ratio = r.ratio('ours', 'tar');
  return [
    {
      name: `layer scan, 300 MB gzip layer (${entries} entries)`,
      ours: ms(r.median('ours')),
      peerName: 'tar -tzvf',
      peer: ms(r.median('tar')),
      ratio,
      goal: '<= 1.0x',
      ok: ratio <= 1,
    },
  ];
}
