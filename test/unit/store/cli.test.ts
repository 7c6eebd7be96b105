import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { sampleImages, writeDockerSaveArchive } from '../../fixtures/archives';
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
    assert.match(cli(store, 'ls').out, /^sample\/app\s+latest\s+b1186e1595fe|^sample\/app\s+latest\s+\w{12}/m);
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
});
