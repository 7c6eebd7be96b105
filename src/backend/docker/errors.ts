// Engine and socket failures turned into BackendErrors with a sentence a user understands: the engine's own
// message where it has one, never a stack trace.
import { BackendError } from '../backend';

/** What dockerode / docker-modem and Node's sockets put on the errors they throw. */
interface EngineErrorShape {
  name?: string;
  code?: string;
  message?: string;
  statusCode?: number;
  json?: unknown;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
]);

function shapeOf(e: unknown): EngineErrorShape {
  return typeof e === 'object' && e !== null ? (e as EngineErrorShape) : { message: String(e) };
}

/** The engine's own words: `{"message": "..."}` in the body, else docker-modem's message without its prefix. */
export function engineMessage(e: unknown): string {
  const s = shapeOf(e);
  const json = s.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length) return json.toString('utf8').trim();
  // docker-modem: "(HTTP code 404) no such image - No such image: x "
  return (s.message ?? '').replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

export function isAbort(e: unknown): boolean {
  const s = shapeOf(e);
  return s.name === 'AbortError' || s.code === 'ABORT_ERR';
}

/**
 * Maps any failure of an engine call to a BackendError.
 * `endpoint` names the connection in messages; `what` says what was being done ("inspect sample/app:1.0").
 */
export function toBackendError(e: unknown, endpoint: string, what: string): BackendError {
  if (BackendError.is(e)) return e;
  const s = shapeOf(e);
  if (isAbort(e)) return new BackendError('cancelled', `Cancelled: ${what}.`);
  if (s.code === 'EACCES' || s.code === 'EPERM') {
    return new BackendError(
      'unreachable',
      `Permission denied on ${endpoint}: add your user to the docker group or point the extension at another engine.`,
      s.message,
    );
  }
  if (s.code && UNREACHABLE_CODES.has(s.code)) {
    return new BackendError('unreachable', `No Docker engine answers at ${endpoint}: is it running?`, `${s.code}: ${s.message ?? ''}`);
  }
  if (/socket hang up|timeout|Timeout/i.test(s.message ?? '') && s.statusCode === undefined) {
    return new BackendError('unreachable', `The Docker engine at ${endpoint} did not answer in time: is it running?`, s.message);
  }
  const message = engineMessage(e) || 'the engine gave no reason';
  // Podman answers a refused removal with 500 and these words where Docker answers 409.
  const status = s.statusCode === 500 && /please force removal|must be forced|image is in use|being used by/i.test(message) ? 409 : s.statusCode;
  switch (status) {
    case 404:
      return new BackendError('not-found', sentence(message), `${what}: ${message}`);
    case 409:
      return new BackendError('conflict', sentence(message), `${what}: ${message}`);
    case 400:
      return new BackendError('invalid-input', sentence(message), `${what}: ${message}`);
    case 401:
    case 403:
      return new BackendError('failed', `Access denied: ${message}`, `${what}: ${message}`);
    case 501:
      return new BackendError('unsupported', `The engine at ${endpoint} does not support this: ${message}`, what);
    default:
      return new BackendError('failed', `Could not ${what}: ${message}`, s.statusCode ? `HTTP ${s.statusCode}` : s.code);
  }
}

/** An engine message as a sentence: a capital first letter and a closing full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : first + '.';
}
