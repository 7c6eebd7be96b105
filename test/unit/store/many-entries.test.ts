// An archive with a great many entries loads in flat memory: the command line's peak RSS is bounded. (A million
// entries once took 130 s and 2.6 GB; `npm run bench entries` measures the million, this holds 200,000.)
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as path from 'path';
import { writeManyEntryArchive } from '../../fixtures/many-entries';
import { tempDir } from './helpers';

const OUT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(OUT, 'src', 'cli.js');
const REPORT_RSS = path.join(OUT, 'test', 'fixtures', 'report-rss.js');

describe('an archive with 200,000 entries', function () {
  this.timeout(60000);
  let t: ReturnType<typeof tempDir>;
  before(() => (t = tempDir()));
  after(() => t.cleanup());

  it('loads through the command line within 200 MB of peak memory and 30 s, leaving no staging behind', async () => {
    const archive = path.join(t.dir, 'many.tar');
    await writeManyEntryArchive(archive, 200_000);
    const store = path.join(t.dir, 'store');
    const started = Date.now();
    const child = spawn(process.execPath, ['-r', REPORT_RSS, CLI, '--store', store, 'load', archive]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const seconds = (Date.now() - started) / 1000;
    assert.strictEqual(code, 0, err);
    assert.match(out, /Loaded image: sample\/app:latest/);
    const peakKiB = Number(/maxRSS (\d+)/.exec(err)?.[1]);
    assert.ok(peakKiB > 0 && peakKiB < 200 * 1024, `peak RSS ${Math.round(peakKiB / 1024)} MB`);
    assert.ok(seconds < 30, `took ${seconds} s`);
    const { readdirSync } = await import('fs');
    assert.deepStrictEqual(readdirSync(path.join(store, 'tmp')).filter((n) => n.startsWith('load-')), []);
  });
});
