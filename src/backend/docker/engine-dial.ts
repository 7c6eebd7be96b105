// One engine request through docker-modem, with deadlines docker-modem does not keep: the answer must start in
// time (after the upload, for a load), and its body may not fall silent or end before its Content-Length. Every
// answer is taken as a stream and read here, because docker-modem's own reading of a JSON answer never settles
// when the connection drops mid-body (its promise hangs, and a CLI exits 0 with nothing printed).
import type { IncomingMessage } from 'http';
import { Transform } from 'stream';
import { BackendError } from '../backend';
import { seconds } from '../limits';
import { backendLog, describeError } from '../log';
import { watchStream, type StreamTroubleError } from '../stream-watch';
import { isAbort, toBackendError } from './errors';

/** The part of docker-modem used here (dockerode types it as `any`). */
export interface DialModem {
  dial(options: Record<string, unknown>, callback: (err: unknown, data: unknown) => void): void;
}

export interface EngineTiming {
  /** The answer must start within this, counted from the end of the upload when there is one. */
  answerMs: number;
  /** Longest silence inside the answer (and between chunks of the upload); undefined for the event stream. */
  silenceMs?: number;
}

export interface EngineCall {
  /** docker-modem's dial options, without isStream and abortSignal (set here). */
  options: Record<string, unknown>;
  signal?: AbortSignal;
  /** The request body, if any (piped by docker-modem); its flow keeps the answer deadline from running out. */
  upload?: NodeJS.ReadableStream;
  /** Answer the body as a stream (progress, save, events) rather than its JSON. */
  stream: boolean;
  timing: EngineTiming;
  endpoint: string;
  /** What was being done, for messages ("list images"). */
  what: string;
}

/** The request's answer: the body's stream, or its JSON (a Buffer when it is not JSON), as docker-modem answers. */
export function dialEngine(modem: DialModem, call: EngineCall): Promise<unknown> {
  const { timing, endpoint, what } = call;
  const abort = new AbortController();
  const signal = call.signal ? AbortSignal.any([call.signal, abort.signal]) : abort.signal;
  const started = Date.now();
  const request = `engine ${String(call.options.method)} ${String(call.options.path).replace(/\?$/, '')} (${what})`;
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    let answerTimer: NodeJS.Timeout | undefined;
    let status = 0;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(answerTimer);
      f();
    };
    // Every request's outcome and time, the one place all of them pass (trace: the user turns it on to see them).
    const answer = (value: unknown) =>
      settle(() => {
        backendLog.trace(`${request}: ${status}${call.stream ? ' (streaming)' : ''} in ${Date.now() - started} ms`);
        resolve(value);
      });
    const fail = (e: unknown) =>
      settle(() => {
        backendLog.trace(`${request}: failed in ${Date.now() - started} ms: ${describeError(e)}`);
        reject(e);
      });
    const late = () => {
      abort.abort();
      fail(new BackendError('unreachable', `The engine at ${endpoint} did not answer within ${seconds(timing.answerMs)} (to ${what}): is it running, or stuck?`));
    };
    const armAnswer = () => {
      clearTimeout(answerTimer);
      answerTimer = setTimeout(late, timing.answerMs);
    };
    let upload: Transform | undefined;
    if (call.upload) {
      // While the engine takes the upload, silence counts; once it has it all, the answer deadline runs. A tap
      // rather than a 'data' listener: that would start the upload flowing before docker-modem pipes it.
      const silence = timing.silenceMs ?? timing.answerMs;
      answerTimer = setTimeout(late, silence);
      upload = new Transform({
        transform(chunk: Buffer, _e, done) {
          clearTimeout(answerTimer);
          if (!settled) answerTimer = setTimeout(late, silence);
          done(null, chunk);
        },
        flush(done) {
          if (!settled) armAnswer();
          done();
        },
      });
      call.upload.on('error', (e: Error) => upload?.destroy(e));
      call.upload.pipe(upload);
    } else armAnswer();

    modem.dial({ ...call.options, isStream: true, abortSignal: signal, file: upload }, (err, data) => {
      if (err) {
        fail(call.signal?.aborted ? new BackendError('cancelled', `Cancelled: ${what}.`) : toBackendError(err, endpoint, what));
        return;
      }
      const res = data as IncomingMessage;
      status = res.statusCode ?? 0;
      const length = Number(res.headers?.['content-length']);
      const body = watchStream(res, {
        silenceMs: timing.silenceMs ?? 2 ** 31 - 1,
        expected: Number.isFinite(length) && res.headers?.['content-length'] !== undefined ? length : undefined,
        passThrough: (e) => isAbort(e) || !!call.signal?.aborted,
        describe: (t) => troubleSentence(t, endpoint, what),
      });
      if (call.stream) {
        answer(body);
        return;
      }
      // The answer has started: the silence bound now watches the body.
      clearTimeout(answerTimer);
      const chunks: Buffer[] = [];
      body.on('data', (c: Buffer) => chunks.push(c));
      body.on('error', (e) => fail(call.signal?.aborted ? new BackendError('cancelled', `Cancelled: ${what}.`) : toBackendError(e, endpoint, what)));
      body.on('end', () => {
        const buffer = Buffer.concat(chunks);
        try {
          answer(JSON.parse(buffer.toString('utf8')));
        } catch {
          answer(buffer);
        }
      });
    });
  });
}

function troubleSentence(t: StreamTroubleError, endpoint: string, what: string): BackendError {
  const got = `${t.received}${t.expected !== undefined ? ` of ${t.expected}` : ''} bytes`;
  if (t.trouble === 'cut') {
    return new BackendError('unreachable', `The engine at ${endpoint} cut its answer short (to ${what}) after ${got}: it may have stopped or restarted.`, t.cause ? String(t.cause) : undefined);
  }
  return new BackendError('unreachable', `The engine at ${endpoint} stopped sending its answer (to ${what}) after ${got}: is it stuck?`);
}
