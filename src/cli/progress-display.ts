// A pull's or push's progress stream drawn as the docker CLI draws it (moby's jsonmessage): on a terminal, one
// line per layer, redrawn in place with cursor moves; elsewhere each state change as a line, without the bars.
import { progressBar } from '../core/progress-stream';
import type { ProgressMessage } from '../core/model';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const ESC = '\x1b[';

/** Returns a function that draws each message of the stream on `out`. */
export function progressDisplay(out: Output): (m: ProgressMessage) => void {
  const terminal = out.isTTY === true;
  // Each layer's line, counted from the first layer line of the current block.
  const lines = new Map<string, number>();
  return (m) => {
    if (m.aux || m.error || m.errorDetail) return;
    const layer = m.id !== undefined && m.progressDetail !== undefined;
    let up = 0;
    if (layer) {
      let line = lines.get(m.id as string);
      if (line === undefined) {
        line = lines.size;
        lines.set(m.id as string, line);
        if (terminal) out.write('\n');
      }
      up = lines.size - line;
      if (terminal) out.write(`${ESC}${up}A`);
    } else {
      // A line of its own ends the block of layer lines: later ones start a new block below it.
      lines.clear();
    }
    draw(out, m, terminal);
    if (layer && terminal) out.write(`${ESC}${up}B`);
  };
}

function draw(out: Output, m: ProgressMessage, terminal: boolean): void {
  const detail = m.progressDetail;
  const bar = detail ? progressBar(detail.current ?? 0, detail.total ?? 0, out.columns ?? 80) : '';
  // Without a terminal a bar's moving numbers are left out; the layer's next state says what happened.
  if (!terminal && bar) return;
  const prefix = m.id ? `${m.id}: ` : '';
  if (terminal && detail && m.stream === undefined) out.write(`${ESC}2K\r${prefix}${m.status ?? ''} ${bar}\r`);
  else if (m.stream !== undefined) out.write(`${prefix}${m.stream}`);
  else out.write(`${prefix}${m.status ?? ''}\n`);
}
