import * as assert from 'assert';
import { gzipSync } from 'zlib';
import { Readable } from 'stream';
import { buffer } from 'stream/consumers';
import { pipeline } from 'stream/promises';
import { compressionOf, compressionOfMediaType, layerMediaType } from '../../src/core/compression';
import { bombCheck, decompressor, gzipCompressor } from '../../src/backend/codec';
import { zstdFrame, zstdStore } from '../fixtures/zstd-frames';

async function inflate(kind: 'gzip' | 'zstd', blob: Buffer, chunk = 7): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < blob.length; at += chunk) pieces.push(blob.subarray(at, at + chunk));
  const d = decompressor(kind, { check: bombCheck('The test layer') });
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), d.stream, async (source: AsyncIterable<Buffer>) => {
    for await (const b of source) out.push(b);
  });
  return Buffer.concat(out);
}

describe('codec: compression by magic bytes, media types, streams', () => {
  it('tells gzip, zstd and a plain tar apart by their first bytes, whatever the name says', () => {
    assert.strictEqual(compressionOf(gzipSync(Buffer.from('x'))), 'gzip');
    assert.strictEqual(compressionOf(zstdStore(Buffer.from('x'))), 'zstd');
    assert.strictEqual(compressionOf(Buffer.from('layer.tar\0')), 'none');
    // Too short to be sure: a plain tar.
    assert.strictEqual(compressionOf(Buffer.from([0x28, 0xb5, 0x2f])), 'none');
    assert.strictEqual(compressionOf(Buffer.from([0x1f])), 'none');
  });

  it('names each kind in Docker and OCI manifests, and reads the kind back from either', () => {
    assert.strictEqual(layerMediaType('zstd', 'oci'), 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.strictEqual(layerMediaType('gzip', 'docker'), 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.strictEqual(layerMediaType('none', 'oci'), 'application/vnd.oci.image.layer.v1.tar');
    for (const kind of ['gzip', 'zstd', 'none'] as const) {
      for (const flavour of ['docker', 'oci'] as const) assert.strictEqual(compressionOfMediaType(layerMediaType(kind, flavour)), kind);
    }
    assert.strictEqual(compressionOfMediaType('application/vnd.oci.image.config.v1+json'), undefined);
  });

  it('decompresses zstd fed in small pieces (raw and RLE blocks, a frame after a frame) to the exact bytes', async () => {
    const text = Buffer.from('hello layer\n'.repeat(20000));
    const blob = Buffer.concat([zstdFrame([{ raw: text }, { rle: 0x41, size: 300000 }]), zstdStore(Buffer.from('tail'))]);
    const out = await inflate('zstd', blob);
    assert.ok(out.equals(Buffer.concat([text, Buffer.alloc(300000, 0x41), Buffer.from('tail')])));
  });

  it('gzip round-trips through the compressor and the decompressor', async () => {
    const data = Buffer.from('some tar bytes '.repeat(5000));
    const blob = await buffer(Readable.from([data]).pipe(gzipCompressor()));
    assert.strictEqual(compressionOf(blob), 'gzip');
    assert.ok((await inflate('gzip', blob, 1000)).equals(data));
  });

  it('a truncated zstd stream fails with a sentence, not a short tar', async () => {
    const blob = zstdStore(Buffer.alloc(200000, 7));
    await assert.rejects(inflate('zstd', blob.subarray(0, blob.length - 1000), 4096), /the zstd data is damaged or cut short/);
  });

  it('a zstd bomb (8 KB of RLE blocks claiming 256 MB) is refused while it inflates, holding little in memory', async () => {
    const bomb = zstdFrame([{ rle: 0, size: 256 * 1024 * 1024 }]);
    assert.ok(bomb.length < 10_000);
    const d = decompressor('zstd', { check: bombCheck('The test layer') });
    let seen = 0;
    const before = process.memoryUsage().rss;
    await assert.rejects(
      pipeline(Readable.from([bomb]), d.stream, async (source: AsyncIterable<Buffer>) => {
        for await (const b of source) seen += b.length;
      }),
      /The test layer inflates to more than 1000 times its compressed size .* refused as a compression bomb/,
    );
    assert.ok(seen <= 17 * 1024 * 1024, `${seen} bytes came out`);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
  });
});
