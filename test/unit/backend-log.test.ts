// The backends' log: every engine and registry request with its outcome and time at trace level, and an error's
// detail (what the sentence leaves out) beside its sentence.
import * as assert from 'assert';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { setBackendLog, type BackendLog } from '../../src/backend/log';
import { RegistryClient } from '../../src/backend/registry/registry-client';
import { jsonAnswer, startFakeEngine, VERSION_BODY, type FakeEngine } from '../fixtures/fake-engine';

function capture(): { lines: string[]; log: BackendLog } {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, log: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('the backends log', function () {
  let engine: FakeEngine | undefined;
  let restore: () => void = () => undefined;
  afterEach(async () => {
    restore();
    await engine?.close();
    engine = undefined;
  });

  it('times each engine request at trace level, and gives a failure its detail', async () => {
    const missing = JSON.stringify({ message: 'No such image: nope:1' });
    engine = await startFakeEngine((line) => {
      if (line === 'GET /version') return jsonAnswer(VERSION_BODY);
      if (line === 'GET /_ping') return jsonAnswer('"OK"');
      return { write: `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${missing.length}\r\n\r\n${missing}`, close: false };
    });
    const { lines, log } = capture();
    restore = setBackendLog(log);
    const backend = new DockerBackend({ host: `unix://${engine.socket}` });
    try {
      await backend.ping();
      await assert.rejects(backend.inspectImage('nope:1'), (e: unknown) => BackendError.is(e, 'not-found'));
    } finally {
      backend.dispose();
    }
    assert.match(lines[0], /^trace engine GET \/_ping \(reach the engine\): 200 in \d+ ms$/);
    assert.match(lines[1], /^trace engine GET \/version \(read the engine version\): 200 in \d+ ms$/);
    // The sentence a user sees, and behind it what was asked and the engine's own words.
    assert.match(lines[2], /^trace engine GET \/images\/nope:1\/json \(inspect nope:1\): failed in \d+ ms: No such image: nope:1\. \[inspect nope:1: No such image: nope:1\]$/);
    assert.strictEqual(lines.length, 3, lines.join('\n'));
  });

  it('times each registry request at trace level, without its query', async () => {
    const { lines, log } = capture();
    restore = setBackendLog(log);
    const registry = new RegistryClient({
      fetch: async () => new Response(JSON.stringify({ name: 'app', tags: ['1', '2'] }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
    });
    assert.deepStrictEqual(await registry.tags('127.0.0.1:5000/app'), ['1', '2']);
    assert.strictEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^trace registry GET http:\/\/127\.0\.0\.1:5000\/v2\/app\/tags\/list: 200 in \d+ ms$/);
  });
});
