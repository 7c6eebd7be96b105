import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';
import { sampleImages, writeDockerSaveArchive, type FixtureImage } from '../../fixtures/archives';
import { tempDir } from './helpers';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli.js');

function cli(store: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, '--store', store, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('image-layers command line', function () {
  this.timeout(30000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('loads, lists as JSON and as a table, removes, and checks', async () => {
    const archive = path.join(t.dir, 'a.tar');
    const { ids } = await writeDockerSaveArchive(archive, sampleImages());
    const store = path.join(t.dir, 'store');
    const load = cli(store, 'load', archive);
    assert.strictEqual(load.code, 0, load.err);
    assert.match(load.out, /^Loaded image: sample\/base:1\.0$/m);
    const ls = cli(store, '--json', 'ls');
    assert.deepStrictEqual(JSON.parse(ls.out).map((i: { Id: string }) => i.Id).sort(), [...ids].sort());
    // ids[1] is sample/app's: a row under another image's ID must not pass.
    assert.match(cli(store, 'ls').out, new RegExp(`^sample/app\\s+latest\\s+${ids[1].slice(7, 19)}\\s`, 'm'));
    const rm = cli(store, 'rm', ids[1].slice(7, 19));
    assert.strictEqual(rm.code, 1);
    assert.match(rm.err, /must be forced/);
    assert.strictEqual(cli(store, 'check').code, 0);
  });

  it('exits 2 on bad usage and 1 with a sentence on bad input', async () => {
    const store = path.join(t.dir, 'store');
    assert.strictEqual(cli(store, 'frobnicate').code, 2);
    const r = cli(store, 'load', path.join(t.dir, 'missing.tar'));
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /^Error: .*missing\.tar does not exist/);
  });

  describe('read as the docker CLI prints it', () => {
    let store: string;
    let ids: string[];
    // A layer of 1,982,000 bytes (HumanSize: 1.982MB), two tags of one image, and a step whose text has runs of
    // spaces and a tab: the cases where the table once differed from the docker CLI's.
    const images = (): FixtureImage[] => [
      {
        tags: ['demo/big:1', 'demo/big:2'],
        layers: [{ files: [{ path: 'big.bin', content: Buffer.alloc(1_982_000, 7) }] }],
        history: [{ created_by: '/bin/sh -c echo   two   spaces\tand a tab > /x', comment: 'made  by hand\n\x1b[2J' }],
      },
      ...sampleImages(),
    ];
    beforeEach(async () => {
      const archive = path.join(t.dir, 'a.tar');
      ids = (await writeDockerSaveArchive(archive, images())).ids;
      store = path.join(t.dir, 'store');
      assert.strictEqual(cli(store, 'load', archive).code, 0);
    });

    it('df: one row per image under its first tag, with docker system df -v\'s columns and four digits', () => {
      const r = cli(store, 'df');
      assert.strictEqual(r.code, 0, r.err);
      const lines = r.out.split('\n');
      assert.match(lines[2], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS$/);
      const rows = lines.filter((l) => /^(demo|sample)\//.test(l));
      assert.deepStrictEqual(rows.map((l) => l.split(/\s{3,}/).slice(0, 3)).sort(), [
        ['demo/big', '1', ids[0].slice(7, 19)],
        ['sample/app', '1.0', ids[2].slice(7, 19)],
        ['sample/base', '1.0', ids[1].slice(7, 19)],
      ]);
      const big = rows.find((l) => l.startsWith('demo/big'))!.split(/\s{3,}/);
      assert.deepStrictEqual(big.slice(4), ['1.982MB', '0B', '1.982MB', '0']);
    });

    it('history: CREATED BY and COMMENT as written, tabs as spaces, other control characters as escapes', () => {
      const r = cli(store, 'history', '--no-trunc', 'demo/big:1');
      assert.strictEqual(r.code, 0, r.err);
      // The comment's newline and escape sequence would break the row and steer the terminal: shown, not obeyed.
      assert.match(r.out, /\/bin\/sh -c echo {3}two {3}spaces and a tab > \/x {3,}1\.98MB {3,}made {2}by hand\\n\\u001b\[2J$/m);
      assert.ok(!r.out.includes('\x1b'));
      const cut = cli(store, 'history', 'demo/big:1').out;
      assert.match(cut, / {2}\/bin\/sh -c echo {3}two {3}spaces and a tab > \/x {3,}1\.98MB/);
    });

    it('history and tag of a missing image name it with the tag looked up', () => {
      for (const args of [['history', 'nope'], ['tag', 'nope', 'x']]) {
        const r = cli(store, ...args);
        assert.strictEqual(r.code, 1, args.join(' '));
        assert.strictEqual(r.err, 'Error: No such image: nope:latest\n');
      }
    });

    it('inspect of a good and a bad name prints the good one, then the error, and exits 1', () => {
      const r = cli(store, 'inspect', 'demo/big:2', 'bad');
      assert.strictEqual(r.code, 1);
      assert.deepStrictEqual(JSON.parse(r.out).map((i: { Id: string }) => i.Id), [ids[0]]);
      assert.strictEqual(r.err, 'Error: No such image: bad:latest\n');
    });

    it('a mistyped option is bad usage with the command\'s usage line, never an image name', () => {
      const r = cli(store, 'inspect', '--size', 'demo/big:1');
      assert.strictEqual(r.code, 2);
      assert.strictEqual(r.out, '');
      assert.match(r.err, /^Unknown option --size for inspect\.\n\nUsage: image-layers .* inspect IMAGE\.\.\.\n$/);
      const target = path.join(t.dir, 'out.tar');
      const save = cli(store, 'save', '--fromat', 'oci', '-o', target, 'demo/big:1');
      assert.strictEqual(save.code, 2);
      assert.match(save.err, /^Unknown option --fromat for save\./);
      assert.ok(!existsSync(target));
    });

    it('help lists every command, and each one\'s --help shows its usage and options', () => {
      const help = cli(store, 'help');
      assert.strictEqual(help.code, 0, help.err);
      assert.strictEqual(cli(store, '--help').out, help.out);
      const listed = [...help.out.matchAll(/^ {2}([a-z-]+)[ ,]/gm)].map((m) => m[1]);
      assert.ok(listed.includes('history') && listed.includes('load-samples'), help.out);
      for (const name of listed) {
        const r = cli(store, name, '--help');
        assert.strictEqual(r.code, 0, `${name} --help: ${r.err}`);
        assert.match(r.out, new RegExp(`^Usage: image-layers .* ${name}\\b`), name);
      }
      const history = cli(store, 'history', '--help').out;
      assert.match(history, /^ {2}--no-trunc$/m);
      assert.ok(!history.includes('load-samples'), 'one command\'s help, not the list');
      assert.strictEqual(cli(store, 'help', 'history').out, history);
    });

    it('save into a folder that does not exist names that folder', () => {
      const target = path.join(t.dir, 'missing-dir', 'x.tar');
      const r = cli(store, 'save', '-o', target, 'demo/big:1');
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.err, `Error: Cannot save to ${target}: the folder ${path.dirname(target)} does not exist.\n`);
    });

    it('ls of a store folder that does not exist says so, and makes no folder', () => {
      const missing = path.join(t.dir, 'no-store');
      const r = cli(missing, 'ls');
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.out, '');
      assert.match(r.err, /^Error: There is no image store at .*no-store: the folder does not exist\./);
      assert.ok(!existsSync(missing));
    });

    it('load --json prints the Engine API\'s stream: one {"stream": …} object a line', async () => {
      const archive = path.join(t.dir, 'b.tar');
      await writeDockerSaveArchive(archive, images());
      const r = cli(path.join(t.dir, 'other'), '--json', 'load', archive);
      assert.strictEqual(r.code, 0, r.err);
      const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.deepStrictEqual(lines, [
        { stream: 'Loaded image: demo/big:1\n' },
        { stream: 'Loaded image: demo/big:2\n' },
        { stream: 'Loaded image: sample/base:1.0\n' },
        { stream: 'Loaded image: sample/app:1.0\n' },
        { stream: 'Loaded image: sample/app:latest\n' },
      ]);
    });
  });
});
