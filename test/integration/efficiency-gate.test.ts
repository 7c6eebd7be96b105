// The efficiency gate of the shipped bundle (dist/cli.js) on a real dockerd: an image in the engine, named with
// --docker, and the engine's own `docker save` of it read as an archive, both with the numbers worked out by hand.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DockerBackend } from '../../src/backend/docker';
import { fixtureDiffIds, writeDockerSaveArchive } from '../fixtures/archives';
import { assertDiveReport, WASTEFUL_ANALYSIS, WASTEFUL_IMAGE } from '../fixtures/wasteful-image';
import { socketOf, tempDir } from './env';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

function cli(args: string[], cwd?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 60_000, cwd });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('image-layers efficiency on dockerd', function () {
  this.timeout(120_000);
  let socket: string;
  let dir: string;

  before(async () => {
    if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build with \`node esbuild.mjs\` (npm test does)`);
    socket = await socketOf('docker');
    dir = await tempDir('gate');
    const archive = path.join(dir, 'wasteful.tar');
    await writeDockerSaveArchive(archive, [WASTEFUL_IMAGE]);
    const backend = new DockerBackend({ host: socket });
    try {
      await backend.loadArchive(archive);
    } finally {
      backend.dispose();
    }
  });

  it("scores an engine's image as dive does, and the gate fails on dive's defaults with exit 1", async () => {
    const engine = ['--docker', `unix://${socket}`];
    const text = cli([...engine, 'efficiency', 'gate/wasteful:1']);
    assert.strictEqual(text.out, WASTEFUL_ANALYSIS + '\n', text.err);
    const gate = cli([...engine, 'efficiency', '--ci', 'gate/wasteful:1'], dir);
    assert.strictEqual(gate.code, 1, gate.err);
    assert.match(gate.out, /\n {2}FAIL {2}highestUserWastedPercent \(.*=0\.80 > threshold=0\.1\)\)\n {2}SKIP {2}highestWastedBytes \(disabled\)\n {2}FAIL {2}lowestEfficiency \(.*efficiency=0\.36 < threshold=0\.9\)\)\n\nFAIL \[fail:2 skip:1\]\n$/);
    const pass = cli([...engine, 'efficiency', '--ci', '--lowestEfficiency', '0.35', '--highestUserWastedPercent', '0.8', '--highestWastedBytes', '4.8kB', 'gate/wasteful:1'], dir);
    assert.strictEqual(pass.code, 0, pass.out + pass.err);
    assert.match(pass.out, /\nPASS \[pass:3\]\n$/);
    const diffIds = await fixtureDiffIds(WASTEFUL_IMAGE);
    await assertDiveReport(cli([...engine, '--json', 'efficiency', 'gate/wasteful:1']).out, diffIds.map((d) => d.slice(7)));
  });

  it("reads the engine's own docker save archive in place, with the same numbers", async () => {
    const saved = path.join(dir, 'saved.tar');
    const backend = new DockerBackend({ host: socket });
    try {
      await backend.saveImages(['gate/wasteful:1'], saved, { format: 'docker' });
    } finally {
      backend.dispose();
    }
    const r = cli(['efficiency', saved]);
    assert.strictEqual(r.out, WASTEFUL_ANALYSIS + '\n', r.err);
    const gate = cli(['efficiency', '--ci', '--highestWastedBytes', '4KB', saved], dir);
    assert.strictEqual(gate.code, 1);
    assert.match(gate.out, /\n {2}FAIL {2}highestWastedBytes \(too many bytes wasted \(wasted-bytes=4800 > threshold=4000\)\)\n/);
  });
});
