// Where the backends write what a user may want to read after the fact: each request's timing (trace) and the
// detail behind an error. The UI plugs in VS Code's log channel (ui/log.ts); the CLI and tests leave it silent.
// One sink for the process rather than a logger threaded through every client: requests start in many places.

export interface BackendLog {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: BackendLog = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let sink: BackendLog = silent;

/** Sends the backends' log to `log` (undefined: nowhere); answers a function that puts the previous one back. */
export function setBackendLog(log: BackendLog | undefined): () => void {
  const before = sink;
  sink = log ?? silent;
  return () => (sink = before);
}

/** The log in force, read at each call, so a sink set later applies. */
export const backendLog: BackendLog = {
  trace: (m) => sink.trace(m),
  debug: (m) => sink.debug(m),
  info: (m) => sink.info(m),
  warn: (m) => sink.warn(m),
  error: (m) => sink.error(m),
};

/** `message (detail)` of anything thrown: the sentence, and what lies behind it when there is more. */
export function describeError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const detail = (e as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' && detail && !message.includes(detail) ? `${message} [${detail}]` : message;
}
