// A file read in chunks into a small ring of buffers that are reused, reading ahead while the caller works on
// the chunk in hand. A fresh buffer per read costs the kernel a page fault for every 4 KiB of it; on a load
// of a large archive those faults cost as much as hashing the bytes.
import { promises as fs } from 'fs';

export interface RingChunk {
  bytes: Buffer;
  /** Keeps the chunk's buffer from being read into again until `work` settles (a write of a view into it). */
  hold(work: Promise<unknown>): void;
}

export interface RingOptions {
  chunkBytes?: number;
  /** Buffers in the ring: one in the caller's hands, the rest being read or held. */
  depth?: number;
}

interface Slot {
  buffer: Buffer;
  held: Promise<unknown>[];
}

/** The chunks of `file` (as long as it was when opened), in order. A chunk's bytes are valid until the next one is asked for, or until its holds settle. */
export async function* readInRing(file: string, options: RingOptions = {}): AsyncGenerator<RingChunk> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const depth = Math.max(2, options.depth ?? 8);
  const handle = await fs.open(file, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  const slots: Slot[] = Array.from({ length: depth }, () => ({ buffer: Buffer.allocUnsafe(chunkBytes), held: [] }));
  const reads: Promise<number>[] = [];
  let position = 0;
  let next = 0;
  // Fills `length` bytes at `at`: a read may return fewer than asked before the end of the file.
  const readFully = async (buffer: Buffer, length: number, at: number): Promise<number> => {
    let got = 0;
    while (got < length) {
      const { bytesRead } = await handle.read(buffer, got, length - got, at + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  };
  const readAhead = (): void => {
    if (position >= size) return;
    const slot = slots[next++ % depth];
    const at = position;
    const length = Math.min(chunkBytes, size - at);
    position += length;
    const held = slot.held;
    slot.held = [];
    const read = Promise.allSettled(held).then(() => readFully(slot.buffer, length, at));
    read.catch(() => undefined); // a failed read is thrown when its turn comes
    reads.push(read);
  };
  try {
    for (let i = 0; i < depth - 1; i++) readAhead();
    for (let n = 0; reads.length > 0; n++) {
      const bytesRead = await (reads.shift() as Promise<number>);
      if (bytesRead === 0) return;
      const slot = slots[n % depth];
      yield { bytes: slot.buffer.subarray(0, bytesRead), hold: (work) => void slot.held.push(work) };
      readAhead();
    }
  } finally {
    // Reads still in flight land in buffers nobody looks at; wait for them (and every hold) before closing.
    await Promise.allSettled([...reads, ...slots.flatMap((s) => s.held)]);
    await handle.close();
  }
}
