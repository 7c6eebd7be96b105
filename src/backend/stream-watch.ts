// A body arriving from an engine or a registry, watched: silence longer than a bound, a transfer slower than a
// floor, and an end before the announced length (or a connection dropped mid-body) each end it with an error
// that says which, instead of a stream that never settles or ends as if it were whole.
import { Readable } from 'stream';

export type StreamTrouble = 'silent' | 'slow' | 'cut';

/** What went wrong with a watched body; `received` counts the bytes that did arrive. */
export class StreamTroubleError extends Error {
  constructor(
    readonly trouble: StreamTrouble,
    readonly received: number,
    readonly expected: number | undefined,
    override readonly cause?: unknown,
  ) {
    super(trouble === 'cut' ? 'the connection ended early' : trouble === 'silent' ? 'nothing arrived' : 'too slow');
    this.name = 'StreamTroubleError';
  }
}

export interface WatchOptions {
  /** Longest gap between two chunks. */
  silenceMs: number;
  /** At least `bytesPerSecond` over each window of `windowMs`; absent for streams that may idle (progress, events). */
  floor?: { bytesPerSecond: number; windowMs: number };
  /** The announced length (Content-Length): fewer bytes before the end is a cut. */
  expected?: number;
  /** Turns a trouble into the error the reader sees (a sentence naming what was being fetched). */
  describe: (e: StreamTroubleError) => Error;
  /** Errors that are not troubles (a cancel) pass through as they are. */
  passThrough?: (e: unknown) => boolean;
}

/** `source`, watched; destroying the result destroys the source. */
export function watchStream(source: Readable, o: WatchOptions): Readable {
  let received = 0;
  let inWindow = 0;
  let ended = false;
  // While the reader holds back (a slow disk), silence and slowness are not the sender's.
  let held = false;
  let silence: NodeJS.Timeout | undefined;
  let window: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(silence);
    clearInterval(window);
  };
  const out = new Readable({
    read: () => {
      if (!held) return;
      held = false;
      if (!ended) arm();
      source.resume();
    },
    destroy: (err, done) => {
      stop();
      source.destroy();
      done(err);
    },
  });
  const fail = (trouble: StreamTrouble, cause?: unknown) => {
    if (out.destroyed) return;
    out.destroy(o.describe(new StreamTroubleError(trouble, received, o.expected, cause)));
  };
  const arm = () => {
    clearTimeout(silence);
    // Unref'd: an open connection keeps the process up; a body nobody reads to its end must not.
    silence = setTimeout(() => fail('silent'), o.silenceMs).unref();
  };
  arm();
  if (o.floor) {
    const { bytesPerSecond, windowMs } = o.floor;
    window = setInterval(() => {
      if (!held && inWindow < (bytesPerSecond * windowMs) / 1000) fail('slow');
      inWindow = 0;
    }, windowMs).unref();
  }
  source.on('data', (chunk: Buffer) => {
    received += chunk.length;
    inWindow += chunk.length;
    arm();
    if (!out.push(chunk)) {
      held = true;
      clearTimeout(silence);
      source.pause();
    }
  });
  source.on('end', () => {
    ended = true;
    stop();
    if (o.expected !== undefined && received < o.expected) fail('cut');
    else out.push(null);
  });
  source.on('error', (e: unknown) => {
    stop();
    if (out.destroyed) return;
    if (o.passThrough?.(e)) out.destroy(e as Error);
    else fail('cut', e);
  });
  // An http answer whose connection drops mid-body closes without 'end' (and without 'error' when nobody listens).
  source.on('close', () => {
    stop();
    if (!ended) fail('cut');
  });
  return out;
}
