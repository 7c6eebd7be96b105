// One tar entry's data, read from where the layer scan found it: a positional read of the layer's tar on disk
// (the store's own file, or the copy spooled while an engine's layer passed), never a read of the layer from its
// top. Only a layer with no file on disk (cut off, larger than the spool's budget, or its copy removed since) is
// streamed again from the backend, skipping to the entry, with no more in memory than a chunk.
import { createWriteStream, promises as fs } from 'fs';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { BackendError, type ImageSource } from './backend';
import type { LayerContents } from './layer-contents';

/** Where an entry's bytes are: which layer of which image, and the span in its uncompressed tar. */
export interface EntryLocation {
  ref: string;
  diffId: string;
  contents: LayerContents;
  offset: number;
  size: number;
}

/** `size` bytes from `offset` of a stream, then the stream is let go. */
function span(offset: number, size: number): Transform {
  let skip = offset;
  let left = size;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        return cb();
      }
      const piece = chunk.subarray(skip, skip + left);
      skip = 0;
      left -= piece.length;
      this.push(piece);
      if (left === 0) this.push(null);
      cb();
    },
  });
}

/** The entry's bytes as a stream. */
export async function entryStream(backend: ImageSource, at: EntryLocation, signal?: AbortSignal): Promise<Readable> {
  if (at.size === 0) return Readable.from([]);
  const file = at.contents.tarFile;
  if (file) {
    try {
      const handle = await fs.open(file, 'r');
      return handle.createReadStream({ start: at.offset, end: at.offset + at.size - 1 });
    } catch (e) {
      // A spooled copy removed to stay within its budget: read the layer again below.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const tar = (await backend.layerTar(at.ref, at.diffId, signal)) as Readable;
  const cut = span(at.offset, at.size);
  cut.on('end', () => tar.destroy());
  tar.on('error', (e) => cut.destroy(e));
  return tar.pipe(cut);
}

/** The entry's bytes in memory: for an editor, which needs them whole; refused above `max`. */
export async function entryBytes(backend: ImageSource, at: EntryLocation, max: number, signal?: AbortSignal): Promise<Buffer> {
  if (at.size > max) throw new BackendError('invalid-input', `The file is ${at.size.toLocaleString('en-US')} bytes, more than the ${max.toLocaleString('en-US')} opened in an editor; save it out instead.`);
  const out = Buffer.allocUnsafe(at.size);
  let fill = 0;
  for await (const chunk of await entryStream(backend, at, signal)) {
    const b = chunk as Buffer;
    b.copy(out, fill, 0, Math.min(b.length, at.size - fill));
    fill += b.length;
  }
  if (fill !== at.size) throw new BackendError('corrupt', `The layer's tar ended ${(at.size - fill).toLocaleString('en-US')} bytes before the end of the file.`);
  return out;
}

/** Writes the entry's bytes to `file`, streamed; `exclusive` refuses a file that exists. */
export async function saveEntry(backend: ImageSource, at: EntryLocation, file: string, exclusive: boolean, signal?: AbortSignal): Promise<void> {
  await pipeline(await entryStream(backend, at, signal), createWriteStream(file, { flags: exclusive ? 'wx' : 'w' }), { signal });
}
