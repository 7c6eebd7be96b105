import * as assert from 'assert';
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { overrideLimits } from '../../src/backend/limits';
import { openBackend } from '../../src/backend/select';
import { BuiltinStore } from '../../src/backend/store';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { jsonAnswer, startFakeEngine, VERSION_BODY, type FakeAnswer, type FakeEngine } from '../fixtures/fake-engine';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

/** Runs the CLI against the fake engine; resolves with its exit code, output and how long it took. */
function cli(socket: string, limits: object, ...args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, '--docker', `unix://${socket}`, ...args], {
    env: { ...process.env, IMAGE_LAYERS_LIMITS: JSON.stringify(limits) },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err, ms: Date.now() - started })));
}

async function elapsed<T>(p: Promise<T>): Promise<number> {
  const t0 = Date.now();
  await p.catch(() => undefined);
  return Date.now() - t0;
}

describe('engine requests keep deadlines (a fake engine socket)', function () {
  this.timeout(20000);
  let engine: FakeEngine | undefined;
  let restore: (() => void) | undefined;
  const start = async (answer: (line: string) => FakeAnswer) => (engine = await startFakeEngine(answer));
  afterEach(async () => {
    restore?.();
    restore = undefined;
    await engine?.close();
    engine = undefined;
  });

  it('an engine that accepts the connection and never answers: a clear error within the deadline', async () => {
    restore = overrideLimits({ engineAnswerMs: 800, enginePingMs: 800 });
    const { socket } = await start(() => 'silence');
    const backend = new DockerBackend({ host: socket });
    const list = backend.listImages();
    await assert.rejects(list, (e: unknown) => {
      assert.ok(BackendError.is(e, 'unreachable'), String(e));
      assert.match((e as Error).message, /did not answer within 0\.8 s .*is it running, or stuck\?/);
      return true;
    });
    assert.ok((await elapsed(list)) < 3000);
    await assert.rejects(backend.ping(), /did not answer within 0\.8 s/);
    backend.dispose();
  });

  it('the extension\'s `auto` setting: a frozen engine gives way to the built-in store, and says why', async () => {
    const { socket } = await start(() => 'silence');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'frozen-auto-'));
    const t0 = Date.now();
    const opened = await openBackend({ backend: 'auto', dockerHost: `unix://${socket}`, storePath: path.join(dir, 'store') });
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.ok(opened.backend instanceof BuiltinStore);
    assert.match(opened.fallbackReason ?? '', /did not answer within 1\.5 s \(to reach the engine\)/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an answer that stalls after its headers: the silence bound ends it', async () => {
    restore = overrideLimits({ engineAnswerMs: 5000, engineSilenceMs: 700 });
    await start((line) =>
      line === 'GET /version' ? jsonAnswer(VERSION_BODY) : { write: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n[{"Id":', close: false },
    );
    const backend = new DockerBackend({ host: engine!.socket });
    const t0 = Date.now();
    await assert.rejects(backend.listImages(), /stopped sending its answer \(to list images\) after 7 of 200 bytes/);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    backend.dispose();
  });

  it('an answer cut before its Content-Length is an error, for JSON and for a cut /version', async () => {
    await start((line) =>
      line === 'GET /version'
        ? { write: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 90\r\n\r\n{"Version":"20', close: true }
        : jsonAnswer('[]'),
    );
    const backend = new DockerBackend({ host: engine!.socket });
    await assert.rejects(backend.info(), (e: unknown) => {
      assert.ok(BackendError.is(e, 'unreachable'), String(e));
      assert.match((e as Error).message, /cut its answer short \(to read the engine version\) after 14 of 90 bytes/);
      return true;
    });
    backend.dispose();
  });

  it('a load the engine takes in but never answers: the deadline runs from the end of the upload', async () => {
    restore = overrideLimits({ engineWorkAnswerMs: 800, engineSilenceMs: 5000 });
    await start((line) => (line === 'GET /version' ? jsonAnswer(VERSION_BODY) : 'silence'));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'frozen-load-'));
    const archive = path.join(dir, 'samples.tar');
    await writeDockerSaveArchive(archive, sampleImages());
    const backend = new DockerBackend({ host: engine!.socket });
    const t0 = Date.now();
    await assert.rejects(backend.loadArchive(archive), /did not answer within 0\.8 s \(to load samples\.tar\)/);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    backend.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the command line: a frozen engine fails with a sentence within the deadline; a cut answer never exits 0', async () => {
    const { socket } = await start(() => 'silence');
    const frozen = await cli(socket, { engineAnswerMs: 1000 }, 'ls');
    assert.strictEqual(frozen.code, 1, frozen.err);
    assert.match(frozen.err, /did not answer within 1 s/);
    assert.ok(frozen.ms < 6000, `took ${frozen.ms} ms`);
    await engine!.close();

    await start((line) =>
      line === 'GET /version'
        ? jsonAnswer(VERSION_BODY)
        : { write: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n[{"Id":"sha256:ab', close: true },
    );
    for (const args of [['ls'], ['inspect', 'x']]) {
      const cut = await cli(engine!.socket, {}, ...args);
      assert.strictEqual(cut.code, 1, `${args.join(' ')}: exit ${cut.code}, out ${cut.out}`);
      assert.match(cut.err, /cut its answer short/);
    }
  });
});
