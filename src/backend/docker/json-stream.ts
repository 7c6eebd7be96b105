// The engine's streamed answers (load, build, events) are JSON objects one per line; this reads them as they come.

/** Calls `onObject` for each JSON object in `stream`; resolves at the end of the stream, rejects on its error. */
export function readJsonLines(
  stream: NodeJS.ReadableStream,
  onObject: (o: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = '';
    const emit = (line: string) => {
      const text = line.trim();
      if (!text) return;
      // Some engines write objects back to back without a newline between them.
      for (const piece of text.split(/(?<=\})\s*(?=\{)/)) {
        try {
          const parsed: unknown = JSON.parse(piece);
          if (typeof parsed === 'object' && parsed !== null) onObject(parsed as Record<string, unknown>);
        } catch {
          onObject({ stream: piece });
        }
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      rest += chunk.toString();
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) emit(line);
    });
    stream.on('end', () => {
      emit(rest);
      resolve();
    });
    stream.on('error', reject);
    stream.on('close', () => resolve());
  });
}

/** The error a JSON message carries (`error` / `errorDetail.message`), if any. */
export function messageError(o: Record<string, unknown>): string | undefined {
  const detail = o.errorDetail;
  if (typeof o.error === 'string' && o.error) return o.error;
  if (typeof detail === 'object' && detail !== null && typeof (detail as { message?: unknown }).message === 'string') {
    return (detail as { message: string }).message;
  }
  if (typeof o.error === 'object' && o.error !== null) return JSON.stringify(o.error);
  return undefined;
}
