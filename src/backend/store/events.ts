// Image events, shared by every process using the store: one JSON line per change in <root>/events.log,
// appended under the lock. Watchers poll the file's size, which works across processes and on any filesystem.
import { promises as fs, watchFile, unwatchFile, type Stats } from 'fs';
import * as path from 'path';
import type { ImageEvent } from '../../core/model';
import type { ImageWatch } from '../watch';

const MAX_LOG_BYTES = 1024 * 1024;

export function eventsFile(root: string): string {
  return path.join(root, 'events.log');
}

export async function appendEvents(root: string, events: { Action: string; Id: string }[]): Promise<void> {
  if (!events.length) return;
  const file = eventsFile(root);
  const time = Math.floor(Date.now() / 1000);
  const stat = await fs.stat(file).catch(() => undefined);
  // Keep the log small; watchers notice the shrink and start over.
  if (stat && stat.size > MAX_LOG_BYTES) await fs.rm(file, { force: true });
  await fs.appendFile(file, events.map((e) => JSON.stringify({ ...e, time }) + '\n').join(''));
}

export function watchEvents(root: string, onEvent: (e: ImageEvent) => void, intervalMs = 500): ImageWatch {
  const file = eventsFile(root);
  let offset = -1;
  let reading = Promise.resolve();
  const readFrom = async (start: number, end: number): Promise<void> => {
    const handle = await fs.open(file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      for (const line of buf.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as ImageEvent;
          if (typeof e.Action === 'string' && typeof e.Id === 'string') onEvent(e);
        } catch {
          // a line being written; the next poll sees it whole
        }
      }
    } finally {
      await handle.close();
    }
  };
  // Ready once the starting offset is known: anything appended after it is read.
  const ready = fs.stat(file).then(
    (s) => void (offset = offset < 0 ? s.size : offset),
    () => void (offset = offset < 0 ? 0 : offset),
  );
  const listener = (cur: Stats): void => {
    reading = reading.then(async () => {
      if (offset < 0) offset = 0;
      if (cur.size < offset) offset = 0;
      if (cur.size > offset) {
        const start = offset;
        offset = cur.size;
        await readFrom(start, cur.size);
      }
    }).catch(() => undefined);
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return { ready, dispose: () => unwatchFile(file, listener) };
}
