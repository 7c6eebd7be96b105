// A real service stopped and started again under a watch: the watch says the engine is gone, opens its stream
// again by itself when the engine is back, and the events made while it was away still arrive (since).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { overrideLimits } from '../../src/backend/limits';
import type { WatchState } from '../../src/backend/watch';
import type { ImageEvent } from '../../src/core/model';
import { sampleImages, writeDockerSaveArchive } from '../fixtures/archives';
import { ENGINES, ownEngine } from './env';

/** Values pushed by callbacks, awaited one condition at a time (no sleeps: each wait ends when the value comes). */
class Arrivals<T> {
  readonly seen: T[] = [];
  private waiting: { test: (v: T) => boolean; resolve: (v: T) => void }[] = [];
  push = (v: T): void => {
    this.seen.push(v);
    for (const w of this.waiting.filter((x) => x.test(v))) w.resolve(v);
    this.waiting = this.waiting.filter((x) => !x.test(v));
  };
  /** The first value from now on that passes `test`; fails, saying what was seen, when none comes within `ms`. */
  next(what: string, test: (v: T) => boolean, ms = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms; seen: ${JSON.stringify(this.seen)}`)), ms);
      this.waiting.push({ test, resolve: (v) => (clearTimeout(timer), resolve(v)) });
    });
  }
}

for (const engine of ENGINES) {
  describe(`DockerBackend.watch across a restart of ${engine}`, function () {
    this.timeout(120_000);
    let restoreLimits: () => void = () => undefined;
    after(() => restoreLimits());

    it('reports the engine gone, comes back on the same socket, and misses no event made meanwhile', async function () {
      // Short: podman refuses a run root longer than 50 characters.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `il-${engine}-`));
      let service = await ownEngine(engine, dir);
      const host = `unix://${service.socketPath}`;
      const archive = path.join(dir, 'samples.tar');
      const { ids } = await writeDockerSaveArchive(archive, sampleImages());
      const backend = new DockerBackend({ host });
      await backend.loadArchive(archive);

      // Long enough between attempts that a tag made right after the restart comes before the stream is back.
      restoreLimits = overrideLimits({ eventsRetryFirstMs: 8_000, eventsRetryMaxMs: 8_000 });
      const events = new Arrivals<ImageEvent>();
      const states = new Arrivals<WatchState>();
      const watch = backend.watch(events.push, states.push);
      try {
        await watch.ready;
        const before = events.next('the tag before the stop', (e) => e.Action === 'tag');
        await backend.tagImage('sample/base:1.0', 'restart/before', '1');
        assert.strictEqual((await before).Id, ids[0]);

        const lost = states.next('the engine reported gone', (s) => s.state === 'lost');
        await service.stop();
        const gone = await lost;
        assert.ok(gone.state === 'lost' && BackendError.is(gone.error, 'unreachable'), JSON.stringify(gone));
        assert.ok(gone.error.message.includes(host), gone.error.message);
        await assert.rejects(backend.listImages(), (e: unknown) => BackendError.is(e, 'unreachable'));

        const open = states.next('the stream open again', (s) => s.state === 'open');
        service = await ownEngine(engine, dir);
        assert.strictEqual(`unix://${service.socketPath}`, host, 'the same socket');
        // A change while the watch is still waiting to try again: it must arrive once the stream is open.
        // Another image than the tag before the stop, which a replay from `since` may bring again.
        const meanwhile = events.next('the tag made while the stream was away', (e) => e.Action === 'tag' && e.Id === ids[1]);
        await backend.tagImage('sample/app:1.0', 'restart/meanwhile', '1');
        assert.ok(!states.seen.some((s) => s.state === 'open'), 'the tag was made before the stream was open again');
        await open;
        await meanwhile;

        // And the stream flows on.
        const after = events.next('an untag after the restart', (e) => e.Action === 'untag');
        await backend.removeImage('restart/before:1');
        assert.strictEqual((await after).Action, 'untag');
      } finally {
        watch.dispose();
        backend.dispose();
        await service.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
