import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { fingerprint, sampleStore, tempDir } from './helpers';

describe('BuiltinStore: temp files left by killed writers', function () {
  this.timeout(30000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('are reported by check and removed by check --repair; a waiting process’s lock temp file is left alone', async () => {
    const { store, ids } = await sampleStore(t.dir);
    const root = path.join(t.dir, 'store');
    await store.tagImage(ids[0], 'has/metadata', '1');
    const before = await fingerprint(root);
    const dead = spawnSync('true').pid;
    const image = path.join(root, 'image', 'builtin');
    const left = [
      path.join(image, `.repositories.json.${dead}.0badc0de.tmp`),
      path.join(image, 'imagedb', `.summary.json.${dead}.0badc0de.tmp`),
      path.join(image, 'imagedb', 'metadata', 'sha256', ids[0].slice(7), `.lastUpdated.${dead}.0badc0de.tmp`),
      path.join(image, 'imagedb', 'content', 'sha256', `.${ids[1].slice(7)}.${dead}.0badc0de.tmp`),
      path.join(root, 'tmp', `.commit-journal.json.${dead}.0badc0de.tmp`),
      path.join(root, `.lock.${dead}.0badc0de.tmp`),
    ];
    for (const f of left) await fs.writeFile(f, '{"half":');
    // This very process could be waiting for the lock: its temp file is not a leftover.
    const waiting = path.join(root, `.lock.${process.pid}.0badc0de.tmp`);
    await fs.writeFile(waiting, '{}');

    const report = await store.check();
    assert.deepStrictEqual(report.problems.map((p) => p.path).sort(), [...left].sort());
    for (const p of report.problems) assert.match(p.message, /is a temporary file left by a process that stopped mid-write/);
    const repaired = await store.check({ repair: true });
    assert.deepStrictEqual(repaired.problems, []);
    assert.deepStrictEqual(repaired.removed.sort(), [...left].sort());
    for (const f of left) await assert.rejects(fs.access(f), f);
    await fs.access(waiting);
    await fs.rm(waiting);
    assert.deepStrictEqual(await fingerprint(root), before);
  });
});
