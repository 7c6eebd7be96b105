// A registry's answer bodies, watched (stream-watch.ts) with the registry's limits, and a blob body that resumes
// with a Range request when its connection drops mid-way, so a flaky link costs a retry, not the whole pull.
import { Readable } from 'stream';
import type { ReadableStream as WebReadableStream } from 'stream/web';
import { BackendError } from '../backend';
import { limits, seconds } from '../limits';
import { StreamTroubleError, watchStream } from '../stream-watch';
import { backoff, isDropped } from './retry';

const NO_BODY = new Set([101, 204, 205, 304]);

function isAbort(e: unknown): boolean {
  return (e as { name?: string } | undefined)?.name === 'AbortError';
}

/** The sentence for a body that went wrong; `before` counts bytes received by earlier attempts. */
function troubleError(t: StreamTroubleError, registry: string, what: string, before: number): BackendError {
  const got = before + t.received;
  const of = t.expected !== undefined ? ` of ${before + t.expected}` : '';
  const message =
    t.trouble === 'cut'
      ? `The registry ${registry} cut ${what} short after ${got}${of} bytes.`
      : t.trouble === 'silent'
        ? `The registry ${registry} stopped sending ${what} after ${got}${of} bytes: nothing arrived for ${seconds(limits.registrySilenceMs)}.`
        : `The registry ${registry} sent ${what} too slowly (under ${limits.transferFloorBytesPerSecond} bytes a second over ${seconds(limits.transferWindowMs)}; ${got}${of} bytes arrived).`;
  const detail = t.cause instanceof Error ? t.cause.message : undefined;
  return Object.assign(new BackendError('failed', message, detail), { cause: t });
}

/** Why a transfer failed, in a few words (`nothing arrived for 30 s`), when a watched body failed; else undefined. */
export function transferTrouble(e: unknown): string | undefined {
  const t = (e as { cause?: unknown } | undefined)?.cause;
  if (!(t instanceof StreamTroubleError)) return undefined;
  if (t.trouble === 'silent') return `nothing arrived for ${seconds(limits.registrySilenceMs)}`;
  if (t.trouble === 'slow') return `slower than ${limits.transferFloorBytesPerSecond} bytes a second for ${seconds(limits.transferWindowMs)}`;
  return `the connection dropped${limits.retries ? `, also when asked again ${limits.retries} times` : ''}`;
}

/** A response's body as a Node stream, watched. */
export function watchedBody(res: Response, registry: string, what: string, before = 0): Readable {
  const length = res.headers.get('content-length');
  return watchStream(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), {
    silenceMs: limits.registrySilenceMs,
    floor: { bytesPerSecond: limits.transferFloorBytesPerSecond, windowMs: limits.transferWindowMs },
    expected: length ? Number(length) : undefined,
    describe: (t) => troubleError(t, registry, what, before),
    passThrough: isAbort,
  });
}

/** The same response with its body watched, for the callers that read it whole (manifests, lists, errors). */
export function watchedResponse(res: Response, registry: string, what: string): Response {
  if (!res.body || NO_BODY.has(res.status)) return res;
  const body = Readable.toWeb(watchedBody(res, registry, what)) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * A blob's bytes: `first`'s body, and when its connection drops, the rest asked for again from where it stopped
 * (`resume(offset)`), up to limits.retries times. A registry that ignores Range sends it all again; the part
 * already passed on is skipped.
 */
export async function* resumingBody(
  first: Response,
  registry: string,
  what: string,
  resume: (offset: number) => Promise<Response>,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  let res = first;
  let offset = 0;
  for (let resumes = 0; ; ) {
    let skip = offset > 0 && res.status !== 206 ? offset : 0;
    const before = offset - skip;
    try {
      for await (const chunk of watchedBody(res, registry, what, before)) {
        let bytes = chunk as Buffer;
        if (skip) {
          const n = Math.min(skip, bytes.length);
          bytes = bytes.subarray(n);
          skip -= n;
          if (!bytes.length) continue;
        }
        offset += bytes.length;
        yield bytes;
      }
      return;
    } catch (e) {
      if (!isDropped(e) || resumes >= limits.retries || signal?.aborted) throw e;
      resumes++;
      await backoff(resumes, signal);
      res = await resume(offset);
      if (!res.body) throw e;
    }
  }
}
