import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { BuiltinStore } from '../../../src/backend/store';
import { withStoreLock } from '../../../src/backend/store/lock';
import { sampleStore, tempDir } from './helpers';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli.js');
const CHILD = path.join(__dirname, 'lock-child.js');

/** The CLI, given 15 s: a wedged lock makes the old code wait 60 s. */
function cli(store: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, '--store', store, ...args], { encoding: 'utf8', timeout: 15000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The PID of a process that has ended (and been reaped). */
function deadPid(): number {
  return spawnSync('true').pid;
}

async function writeLock(root: string, text: string, ageMs = 60_000): Promise<void> {
  const file = path.join(root, 'lock');
  await fs.writeFile(file, text);
  const when = new Date(Date.now() - ageMs);
  await fs.utimes(file, when, when);
}

async function tags(root: string): Promise<string[]> {
  return (await new BuiltinStore(root).listImages()).flatMap((i) => i.RepoTags);
}

function lines(child: ChildProcessWithoutNullStreams): AsyncIterableIterator<string> {
  return readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

describe('BuiltinStore: the lock between processes', function () {
  this.timeout(120000);
  let t: ReturnType<typeof tempDir>;
  let root: string;
  beforeEach(async () => {
    t = tempDir();
    await sampleStore(t.dir);
    root = path.join(t.dir, 'store');
  });
  afterEach(() => t.cleanup());

  it('eight processes tagging at once over a stale lock each get the lock alone: no tag is lost in 24 rounds', async () => {
    const children = Array.from({ length: 8 }, (_, n) => spawn(process.execPath, [CHILD, 'tag', root, String(n)]));
    const answers = children.map(lines);
    try {
      for (let round = 0; round < 24; round++) {
        // A holder killed with -9: a bare PID as older versions wrote it, or a whole record.
        const pid = deadPid();
        await writeLock(root, round % 2 ? String(pid) : JSON.stringify({ pid, start: '1', host: os.hostname(), nonce: 'x' }));
        for (const c of children) c.stdin.write(`${round}\n`);
        const said = await Promise.all(answers.map(async (a) => (await a.next()).value as string));
        assert.deepStrictEqual(said, Array(8).fill(`${round} ok`));
        const have = (await tags(root)).filter((tag) => tag.startsWith(`race/r${round}:`)).sort();
        assert.deepStrictEqual(have, Array.from({ length: 8 }, (_, n) => `race/r${round}:c${n}`), `round ${round}`);
      }
    } finally {
      for (const c of children) c.kill();
    }
  });

  for (const [what, text] of [
    ['an empty lock (a writer killed between creating and writing it)', ''],
    ['a garbage lock', 'not a pid\n\u0000'],
  ] as const) {
    it(`is not wedged by ${what}: a tag goes through, and check --repair clears it and says so`, async () => {
      await writeLock(root, text);
      const tag = cli(root, 'tag', 'sample/base:1.0', 'after/empty:1');
      assert.strictEqual(tag.code, 0, tag.err);
      assert.ok((await tags(root)).includes('after/empty:1'));
      await writeLock(root, text);
      const check = cli(root, 'check', '--repair');
      assert.strictEqual(check.code, 0, check.err);
      assert.match(check.out, /^recovered: Cleared an? (empty|unreadable) lock/m);
      await assert.rejects(fs.access(path.join(root, 'lock')), 'the lock is gone after check');
    });
  }

  it('takes over a lock whose PID now belongs to another, live program', async () => {
    const sleeper = spawn('sleep', ['60']);
    try {
      await new Promise((r) => sleeper.once('spawn', r));
      // The PID as an older version wrote it, an hour before the program now using that PID started.
      await writeLock(root, String(sleeper.pid), 3_600_000);
      const r1 = cli(root, 'tag', 'sample/base:1.0', 'reused/pid:1');
      assert.strictEqual(r1.code, 0, r1.err);
      // A whole record: the same PID with another start time.
      await writeLock(root, JSON.stringify({ pid: sleeper.pid, start: '1', host: os.hostname(), nonce: 'x' }), 0);
      const r2 = cli(root, 'check', '--repair');
      assert.strictEqual(r2.code, 0, r2.err);
      assert.match(r2.out, new RegExp(`^recovered: Cleared the lock of process ${sleeper.pid}, which has stopped \\(its PID now belongs to another program\\)`, 'm'));
      assert.ok((await tags(root)).includes('reused/pid:1'));
    } finally {
      sleeper.kill();
    }
  });

  it('waits for a live holder, then says which process holds it and how to get out', async () => {
    const holder = spawn(process.execPath, [CHILD, 'hold', path.join(root, 'lock')]);
    try {
      assert.strictEqual((await lines(holder).next()).value, 'held');
      const started = Date.now();
      await assert.rejects(
        withStoreLock(path.join(root, 'lock'), async () => assert.fail('the lock was shared'), undefined, 600),
        (e: Error & { kind?: string }) => {
          assert.strictEqual(e.kind, 'conflict');
          assert.match(e.message, new RegExp(`process ${holder.pid} \\(.*lock-child\\.js hold .*\\) has held its lock since \\d{4}-`));
          assert.match(e.message, new RegExp(`kill ${holder.pid}`));
          return true;
        },
      );
      assert.ok(Date.now() - started >= 600);
    } finally {
      holder.kill('SIGKILL');
    }
    // Killed with -9, its lock is taken over at once.
    await new Promise((r) => holder.once('exit', r));
    const tag = cli(root, 'tag', 'sample/base:1.0', 'after/kill:1');
    assert.strictEqual(tag.code, 0, tag.err);
  });
});
