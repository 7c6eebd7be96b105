// When a registry exchange is tried again: only requests that change nothing (GET, HEAD), after a 5xx, a 429 or
// a connection that dropped, a few times with a doubling wait; a registry that is silent or too slow is not asked
// again (that would multiply the wait), and a blob that dropped mid-body resumes where it stopped (Range).
import { BackendError } from '../backend';
import { limits } from '../limits';
import { StreamTroubleError } from '../stream-watch';

export function isIdempotent(method: string | undefined): boolean {
  const m = (method ?? 'GET').toUpperCase();
  return m === 'GET' || m === 'HEAD';
}

/** Answers worth asking again: the registry (or a proxy in front of it) failed, or asked to slow down. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** A body that ended early or whose connection broke: worth resuming. Silence and slowness are not. */
export function isDropped(e: unknown): boolean {
  const trouble = e instanceof StreamTroubleError ? e : (e as { cause?: unknown } | undefined)?.cause;
  return trouble instanceof StreamTroubleError && trouble.trouble === 'cut';
}

/** Codes of a connection that broke under a request (not one refused: nothing listens, asking again is no use). */
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** A fetch that failed because its connection dropped before the answer came. */
export function isDroppedConnection(e: unknown): boolean {
  const code = (e as { cause?: { code?: unknown } } | undefined)?.cause?.code ?? (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DROPPED_CODES.has(code);
}

/** Waits before attempt `n` (1-based): retryBaseMs, then twice that, and so on; a cancel ends the wait. */
export function backoff(n: number, signal?: AbortSignal | null): Promise<void> {
  const ms = limits.retryBaseMs * 2 ** (n - 1);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BackendError('cancelled', 'Cancelled.'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new BackendError('cancelled', 'Cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
