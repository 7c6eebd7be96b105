// The Engine API's progress stream for a pull or a push: its messages as the engine writes them, the bar it draws
// beside a layer, and a tally of the layers' states for a one-line summary ("3 of 4 layers: 2 already exist").
import { formatBytes } from './format';
import type { Progress, ProgressMessage } from './model';

/** The engine's width for bars it draws for no terminal; a bar is drawn only wider than 110 columns. */
const ENGINE_WIDTH = 200;

/** The bar and byte counts beside a layer, as moby's JSONProgress.String draws them. */
export function progressBar(current: number, total: number, width = ENGINE_WIDTH): string {
  if (current <= 0 && total <= 0) return '';
  const done = formatBytes(current, 4).padStart(8);
  if (total <= 0) return done;
  const half = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${'='.repeat(half)}>${' '.repeat(50 - half)}] ` : '';
  // A count past the total is the engine's "wonky" case: the total is left out.
  return bar + (current > total ? done : `${done}/${formatBytes(total, 4)}`);
}

/** A layer's line (`id: status`), with its bytes so far when they are counted. */
export function layerMessage(id: string, status: string, bytes?: { current: number; total: number }): ProgressMessage {
  if (!bytes) return { status, progressDetail: {}, id };
  return { status, progressDetail: { current: bytes.current, total: bytes.total }, progress: progressBar(bytes.current, bytes.total), id };
}

/** A line of its own (`Digest: …`), or one under an ID that is not a layer's (`1: Pulling from demo/b`). */
export function statusMessage(status: string, id?: string): ProgressMessage {
  return id ? { status, id } : { status };
}

/** The message as one line of progress, for views that show one line at a time. */
export function progressOf(engine: ProgressMessage, fraction?: number): Progress {
  const text = engine.status ?? engine.stream?.trim() ?? '';
  const p: Progress = { message: engine.id ? `${engine.id}: ${text}` : text, engine };
  if (engine.id) p.id = engine.id;
  const { current, total } = engine.progressDetail ?? {};
  if (fraction !== undefined) p.fraction = fraction;
  else if (typeof current === 'number' && typeof total === 'number' && total > 0) p.fraction = Math.min(1, current / total);
  return p;
}

/** True at most once per `ms`: byte counts arrive per chunk, the stream carries a few a second. */
export function rateGate(ms: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < ms) return false;
    last = t;
    return true;
  };
}

const FOUND = /^(Already exists|Layer already exists|Mounted from )/;
const FINISHED = /^(Already exists|Layer already exists|Mounted from |Pull complete|Pushed$)/;

/** The layers of a pull or push by their last state, summed up as a person reads a `docker pull`. */
export class LayerTally {
  private readonly states = new Map<string, string>();

  /** Takes a message; false when it is not a layer's line. */
  add(m: ProgressMessage): boolean {
    if (!m.id || !m.progressDetail || m.status === undefined) return false;
    this.states.set(m.id, m.status);
    return true;
  }

  /** `3 of 4 layers: 2 already exist`; empty before the first layer's line. */
  summary(): string {
    const states = [...this.states.values()];
    if (!states.length) return '';
    const finished = states.filter((s) => FINISHED.test(s)).length;
    const found = states.filter((s) => FOUND.test(s)).length;
    const there = found ? `: ${found} already ${found === 1 ? 'exists' : 'exist'}` : '';
    return `${finished} of ${states.length} layer${states.length === 1 ? '' : 's'}${there}`;
  }
}

/**
 * A progress callback that says, on each layer's line, how many layers are done and how many were there already,
 * then the layer that moved: `3 of 4 layers: 2 already exist (7f0161cfe8a0: Pull complete)`.
 */
export function withLayerCounts(onProgress: (p: Progress) => void): (p: Progress) => void {
  const tally = new LayerTally();
  return (p) => onProgress(p.engine && tally.add(p.engine) ? { ...p, message: `${tally.summary()} (${p.message})` } : p);
}
