// Every registry request's outcome and time, to the backends' log at trace level: `fetch`, wrapped once where a
// RegistryClient takes it. The time is to the answer's headers; bodies are watched (and timed) by their readers.
import { backendLog, describeError } from '../log';

export function timedFetch(doFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    const started = Date.now();
    const url = input instanceof Request ? input.url : String(input);
    // The query can carry a token service's scope; the path is what tells requests apart.
    const request = `registry ${init?.method ?? 'GET'} ${url.replace(/\?.*$/, '')}`;
    try {
      const res = await doFetch(input, init);
      backendLog.trace(`${request}: ${res.status} in ${Date.now() - started} ms`);
      return res;
    } catch (e) {
      backendLog.trace(`${request}: failed in ${Date.now() - started} ms: ${describeError(e)}`);
      throw e;
    }
  };
}
