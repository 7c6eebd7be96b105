// Run by lock.test.ts in child processes. `tag ROOT N`: waits for a round number on stdin, then tags
// sample/base:1.0 as race/rROUND:cN and answers "ROUND ok" (or the error), so that every child writes at once.
// `hold LOCKFILE`: takes the store lock, says "held", and keeps it until killed.
import * as readline from 'readline';
import { BuiltinStore } from '../../../src/backend/store';
import { withStoreLock } from '../../../src/backend/store/lock';

const [mode, target, n] = process.argv.slice(2);
if (mode === 'hold') {
  void withStoreLock(target, async () => {
    process.stdout.write('held\n');
    await new Promise(() => setInterval(() => undefined, 60_000));
  });
} else {
  const store = new BuiltinStore(target);
  readline.createInterface({ input: process.stdin }).on('line', (round) => {
    store.tagImage('sample/base:1.0', `race/r${round}`, `c${n}`).then(
      () => process.stdout.write(`${round} ok\n`),
      (e: Error) => process.stdout.write(`${round} ${e.message}\n`),
    );
  });
}
