// An engine's /events stream, followed for as long as the watch lives: when the stream fails or ends (the engine
// stopped or restarted) the watch says the engine is lost and opens the stream again, with backoff, asking for
// the events `since` the last one it saw, so that none made in between is missed; when it opens, it says so.
import type { ImageEvent } from '../../core/model';
import { BackendError } from '../backend';
import { limits } from '../limits';
import { backendLog, describeError } from '../log';
import type { ImageWatch, WatchState } from '../watch';
import { readJsonLines } from './json-stream';
import { normaliseId } from './normalise';

export interface EventStreamSource {
  /** The engine's address, for sentences. */
  endpoint: string;
  /** Opens GET /events for image events from `since` (unix seconds, the engine's clock) on. */
  open(since: number, signal: AbortSignal): Promise<NodeJS.ReadableStream>;
}

/** An image event of the engine's stream (Docker and Podman both send Action/Actor; older engines status/id). */
export function imageEventOf(o: Record<string, unknown>): ImageEvent | undefined {
  const actor = (o.Actor ?? {}) as { ID?: unknown };
  const action = typeof o.Action === 'string' ? o.Action : typeof o.status === 'string' ? o.status : '';
  const id = typeof actor.ID === 'string' ? actor.ID : typeof o.id === 'string' ? o.id : '';
  if (!action) return undefined;
  return { Action: action, Id: normaliseId(id), time: typeof o.time === 'number' ? o.time : Math.floor(Date.now() / 1000) };
}

/** The wait before attempt `n` (0-based) to open the stream again. */
export function retryDelay(n: number): number {
  return Math.min(limits.eventsRetryMaxMs, limits.eventsRetryFirstMs * 2 ** Math.min(n, 20));
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Unref'd: a watch waiting to try again must not keep a CLI or a test process up.
    const timer = setTimeout(done, ms).unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export function followEvents(source: EventStreamSource, onEvent: (e: ImageEvent) => void, onState?: (s: WatchState) => void): ImageWatch {
  const abort = new AbortController();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  // A second back on the first open: the engine may subscribe a moment after it sends its headers.
  let since = Math.floor(Date.now() / 1000) - 1;
  let lost: string | undefined;
  let stream: { destroy(): void } | undefined;

  const run = async () => {
    for (let attempt = 0; !abort.signal.aborted; ) {
      let failure: unknown;
      try {
        const s = await source.open(since, abort.signal);
        stream = s as unknown as { destroy(): void };
        if (abort.signal.aborted) break;
        attempt = 0;
        markReady();
        if (lost !== undefined) {
          lost = undefined;
          backendLog.info(`The event stream of ${source.endpoint} is open again (events since ${since}).`);
          onState?.({ state: 'open' });
        }
        await readJsonLines(s, (o) => {
          const e = imageEventOf(o);
          if (!e) return;
          since = Math.max(since, e.time);
          onEvent(e);
        });
        failure = new BackendError('unreachable', `The engine at ${source.endpoint} closed its event stream: it may have stopped or restarted.`);
      } catch (e) {
        failure = e;
      }
      stream?.destroy();
      stream = undefined;
      // A backend closed under the watch: nothing will open again.
      if (abort.signal.aborted || BackendError.is(failure, 'cancelled')) break;
      const error = BackendError.is(failure) ? failure : new BackendError('unreachable', `The events of ${source.endpoint} cannot be followed.`, describeError(failure));
      const wait = retryDelay(attempt++);
      backendLog.warn(`Event stream of ${source.endpoint}: ${describeError(error)} Trying again in ${wait} ms.`);
      // Said once per kind of trouble, not on every attempt.
      if (lost !== error.message) {
        lost = error.message;
        onState?.({ state: 'lost', error });
      }
      await pause(wait, abort.signal);
    }
  };
  void run();
  return {
    ready,
    dispose: () => {
      abort.abort();
      stream?.destroy();
    },
  };
}
