// A large gzip layer written by code, the same bytes every time: folders of files whose contents are half
// word-like text (gzip shrinks it about 3x) and half random bytes (incompressible), gzip -6 as the engine
// compresses. About 300 MB compressed, 520 MB as a tar. Cached under the bench cache folder.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
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

async function writeGzipLayer(file) {
  const rand = prng(0x5eed);
  const text = Buffer.from(Array.from({ length: 300_000 }, () => WORDS[rand() % WORDS.length]).join(' '));
  const noise = Buffer.alloc(4 << 20);
  for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE(rand(), i);
  const gzip = spawn('gzip', ['-6', '-n', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = createWriteStream(file);
  gzip.stdout.pipe(out);
  const write = (b) => (gzip.stdin.write(b) ? undefined : new Promise((r) => gzip.stdin.once('drain', r)));
  let total = 0;
  for (let d = 0; total < 520e6; d++) {
    const dir = `usr/share/bench/d${String(d).padStart(4, '0')}/`;
    await write(header(dir, 0, '5'));
    for (let f = 0; f < 40 && total < 520e6; f++) {
      // Sizes from 0 to ~1.2 MB, most small, as in a real /usr.
      const size = rand() % 8 === 0 ? rand() % 1_200_000 : rand() % 40_000;
      await write(header(`${dir}f${f}.dat`, size, '0'));
      const half = size >> 1;
      const t = rand() % (text.length - half);
      const n = rand() % (noise.length - (size - half));
      await write(text.subarray(t, t + half));
      await write(noise.subarray(n, n + size - half));
      const pad = (512 - (size % 512)) % 512;
      if (pad) await write(Buffer.alloc(pad));
      total += 512 + size + pad;
    }
  }
  await write(Buffer.alloc(1024));
  gzip.stdin.end();
  await new Promise((resolve, reject) => out.on('close', resolve).on('error', reject));
}

/** The cached layer blob's path, written the first time (about 30 s). */
export async function gzipLayer() {
  const dir = join(cacheDir(), FIXTURE_VERSION);
  const file = join(dir, 'layer-520m.tar.gz');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write('writing a 300 MB gzip layer (once)…\n');
    await writeGzipLayer(`${file}.part`);
    renameSync(`${file}.part`, file);
  }
  return file;
}
