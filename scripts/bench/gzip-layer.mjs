// Large gzip layers written by code, the same bytes for the same seed: folders of files whose contents are
// word-like text (gzip shrinks it about 4x) and random bytes (incompressible) in a chosen share, gzip -6 as the
// engine compresses. Cached under the bench cache folder with their diff IDs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, FIXTURE_VERSION } from './fixtures.mjs';

/** xorshift32: deterministic bytes without crypto (the same fixture on every machine). */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function header(name, size, type) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('14000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

const WORDS = 'layer image config digest manifest registry store folder engine docker podman tar gzip chain diff size created history label port command entrypoint environment volume user workdir shell'.split(' ');

/** Writes the layer; answers its diff ID (sha256 of the tar). */
async function writeGzipLayer(file, { tarBytes, noise, seed }) {
  const rand = prng(seed);
  const tarHash = createHash('sha256');
  const text = Buffer.from(Array.from({ length: 300_000 }, () => WORDS[rand() % WORDS.length]).join(' '));
  const noiseBytes = Buffer.alloc(4 << 20);
  for (let i = 0; i < noiseBytes.length; i += 4) noiseBytes.writeUInt32LE(rand(), i);
  const gzip = spawn('gzip', ['-6', '-n', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = createWriteStream(file);
  gzip.stdout.pipe(out);
  const write = (b) => {
    tarHash.update(b);
    return gzip.stdin.write(b) ? undefined : new Promise((r) => gzip.stdin.once('drain', r));
  };
  let total = 0;
  for (let d = 0; total < tarBytes; d++) {
    const dir = `usr/share/bench/d${String(d).padStart(4, '0')}/`;
    await write(header(dir, 0, '5'));
    for (let f = 0; f < 40 && total < tarBytes; f++) {
      // Sizes from 0 to ~1.2 MB, most small, as in a real /usr.
      const size = rand() % 8 === 0 ? rand() % 1_200_000 : rand() % 40_000;
      await write(header(`${dir}f${f}.dat`, size, '0'));
      const random = Math.floor(size * noise);
      const t = rand() % (text.length - (size - random));
      const n = rand() % (noiseBytes.length - random);
      await write(text.subarray(t, t + size - random));
      await write(noiseBytes.subarray(n, n + random));
      const pad = (512 - (size % 512)) % 512;
      if (pad) await write(Buffer.alloc(pad));
      total += 512 + size + pad;
    }
  }
  await write(Buffer.alloc(1024));
  gzip.stdin.end();
  await new Promise((resolve, reject) => out.on('close', resolve).on('error', reject));
  return 'sha256:' + tarHash.digest('hex');
}

/**
 * The cached layer blob `name` (written the first time: about 30 s for 500 MB): its path, diff ID and digest.
 * `tarBytes` is the tar's size, `noise` the share of each file that is random bytes.
 */
export async function gzipLayer(name = 'layer-520m', { tarBytes = 520e6, noise = 0.5, seed = 0x5eed } = {}) {
  const dir = join(cacheDir(), FIXTURE_VERSION);
  const file = join(dir, `${name}.tar.gz`);
  const meta = `${file}.json`;
  if (!existsSync(file) || !existsSync(meta)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`writing the gzip layer ${name} (once)…\n`);
    const diffId = await writeGzipLayer(`${file}.part`, { tarBytes, noise, seed });
    const digest = 'sha256:' + createHash('sha256').update(readFileSync(`${file}.part`)).digest('hex');
    renameSync(`${file}.part`, file);
    writeFileSync(meta, JSON.stringify({ diffId, digest }));
  }
  return { file, ...JSON.parse(readFileSync(meta, 'utf8')) };
}
