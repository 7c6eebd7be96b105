import * as assert from 'assert';
import { Limiter, mapLimit } from '../../src/core/limit';

describe('Limiter and mapLimit', () => {
  it('runs at most the limit at once, starts waiting work in the order it came, and keeps going after a failure', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const work = (i: number) =>
      limiter.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (i === 1) throw new Error('one failed');
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(work));
    assert.strictEqual(most, 2);
    assert.deepStrictEqual(started, [0, 1, 2, 3, 4]);
    assert.deepStrictEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('maps in the items order whatever order the work finishes in', async () => {
    const out = await mapLimit([30, 1, 20, 2], 3, async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms * 2;
    });
    assert.deepStrictEqual(out, [60, 2, 40, 4]);
  });
});
