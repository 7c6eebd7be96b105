import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { BuiltinStore } from '../../../src/backend/store';
import { fingerprint, sampleStore, tempDir } from './helpers';

const HEX = 'e'.repeat(64);

/** What a journal can make recovery delete: a store folder shipped by someone else may carry any journal. */
describe('BuiltinStore: recovery and repair delete only inside the store', function () {
  this.timeout(30000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  async function victim(dir: string): Promise<string> {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'precious.txt'), 'keep me');
    return dir;
  }

  it('a journal naming STORE/../victim, STORE-sibling and a path outside leaves all of them', async () => {
    const { store } = await sampleStore(t.dir);
    const root = path.join(t.dir, 'store');
    const before = await fingerprint(root);
    const outside = [await victim(path.join(t.dir, 'victim')), await victim(path.join(t.dir, 'store-sibling')), await victim(path.join(t.dir, 'elsewhere'))];
    const ownPiece = path.join(root, 'image', 'builtin', 'imagedb', 'content', 'sha256', HEX);
    await fs.writeFile(ownPiece, '{}');
    const journal = { pid: 999999999, created: [ownPiece, `${root}/../victim`, `${root}-sibling`, `${root}/image/../../elsewhere/precious.txt`, root], tags: [['x/y:1', 'sha256:' + HEX]] };
    await fs.writeFile(path.join(root, 'tmp', 'commit-journal.json'), JSON.stringify(journal));

    const report = await store.check();
    for (const dir of outside) assert.strictEqual(await fs.readFile(path.join(dir, 'precious.txt'), 'utf8'), 'keep me', dir);
    assert.match(report.recovered.join(' '), /Rolled back an interrupted load by process 999999999 \(1 pieces; 4 path\(s\) it named are not the store's own pieces and were left alone\)/);
    assert.deepStrictEqual(await fingerprint(root), before, 'the store piece the journal named was rolled back');
  });

  it('a store whose layer folder is a symlink out of it: neither the journal nor check --repair deletes through it', async () => {
    const root = path.join(t.dir, 'store');
    const store = new BuiltinStore(root);
    await fs.mkdir(path.join(root, 'tmp'), { recursive: true });
    const elsewhere = await victim(path.join(t.dir, 'elsewhere', 'sha256'));
    await fs.writeFile(path.join(elsewhere, HEX + '.tar'), 'not the store’s');
    await fs.rm(path.join(root, 'layers'), { recursive: true, force: true });
    await fs.symlink(path.join(t.dir, 'elsewhere'), path.join(root, 'layers'));
    const journal = { pid: 999999999, created: [path.join(root, 'layers', 'sha256', HEX + '.tar')], tags: [['x/y:1', 'sha256:' + HEX]] };
    await fs.writeFile(path.join(root, 'tmp', 'commit-journal.json'), JSON.stringify(journal));

    const report = await store.check({ repair: true });
    assert.deepStrictEqual((await fs.readdir(elsewhere)).sort(), [HEX + '.tar', 'precious.txt']);
    assert.deepStrictEqual(report.removed, []);
    assert.deepStrictEqual(
      report.problems.map((p) => [p.kind, path.basename(p.path)]).sort(),
      [['corrupt', HEX + '.tar'], ['corrupt', 'precious.txt']],
      'each piece it would have removed is named as lying outside the store',
    );
  });
});
