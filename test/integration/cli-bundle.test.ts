// The shipped bundle (dist/cli.js, built by esbuild with its lazy and stubbed modules) against a real dockerd:
// what a script or CI job running `image-layers --docker` gets.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DockerBackend } from '../../src/backend/docker';
import { socketOf } from './env';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('the bundled command line on dockerd', function () {
  this.timeout(60_000);

  before(() => {
    if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build with \`node esbuild.mjs\` (npm test does)`);
  });

  it('lists the same images as the engine API, as JSON', async () => {
    const socket = await socketOf('docker');
    const backend = new DockerBackend({ host: socket });
    try {
      const expected = (await backend.listImages()).map((i) => i.Id).sort();
      const ls = cli('--docker', `unix://${socket}`, '--json', 'ls');
      assert.strictEqual(ls.code, 0, ls.err);
      assert.deepStrictEqual(JSON.parse(ls.out).map((i: { Id: string }) => i.Id).sort(), expected);
    } finally {
      backend.dispose();
    }
  });

  it('says in one line that no engine answers, and exits 1', () => {
    const r = cli('--docker', 'unix:///nonexistent/il.sock', 'ls');
    assert.strictEqual(r.code, 1);
    assert.match(r.err.trim(), /^Error: No Docker engine answers at unix:\/\/\/nonexistent\/il\.sock: is it running\?$/);
  });
});
