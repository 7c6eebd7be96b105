// The efficiency gate of the shipped bundle (dist/cli.js) on a real dockerd: an image in the engine, named with
// --docker, and the engine's own `docker save` of it read as an archive, both with the numbers worked out by hand.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DockerBackend } from '../../src/backend/docker';
import { fixtureDiffIds, writeDockerSaveArchive } from '../fixtures/archives';
import { assertDiveReport, WASTEFUL_ANALYSIS, WASTEFUL_CI_DEFAULTS, WASTEFUL_IMAGE } from '../fixtures/wasteful-image';
import { socketOf, tempDir } from './env';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

// The runner's own CI variable is cleared: each test says whether the job has CI=true.
function cli(args: string[], cwd?: string, env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 60_000, cwd, env: { ...process.env, CI: undefined, ...env } });
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
    assert.strictEqual(gate.out, WASTEFUL_CI_DEFAULTS);
    const pass = cli([...engine, 'efficiency', '--ci', '--lowestEfficiency', '0.35', '--highestUserWastedPercent', '0.8', '--highestWastedBytes', '4.8kB', 'gate/wasteful:1'], dir);
    assert.strictEqual(pass.code, 0, pass.out + pass.err);
    assert.match(pass.out, /\nResult:PASS \[Total:3\] \[Passed:3\] \[Failed:0\] \[Warn:0\] \[Skipped:0\]\n\n$/);
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
    assert.match(gate.out, /\n {2}FAIL: highestWastedBytes: too many bytes wasted \(wasted-bytes=4800 > threshold=4000\)\n/);
  });

  it('gates a job that has CI=true and a .dive-ci, without --ci, as `dive IMAGE` does there; a rule flag beats the file', () => {
    const job = path.join(dir, 'job');
    fs.mkdirSync(job, { recursive: true });
    fs.writeFileSync(path.join(job, '.dive-ci'), 'rules:\n  lowestEfficiency: 0.35\n  highestWastedBytes: 4KB\n  highestUserWastedPercent: 0.8\n');
    const engine = ['--docker', `unix://${socket}`];
    const ci = { CI: 'true' };
    const failed = cli([...engine, 'efficiency', 'gate/wasteful:1'], job, ci);
    assert.strictEqual(failed.code, 1, failed.err);
    assert.match(failed.out, /^ {2}Using CI config: \.dive-ci\n/);
    assert.match(failed.out, /\nResults:\n {2}PASS: highestUserWastedPercent\n {2}FAIL: highestWastedBytes: too many bytes wasted \(wasted-bytes=4800 > threshold=4000\)\n {2}PASS: lowestEfficiency\nResult:FAIL \[Total:3\] \[Passed:2\] \[Failed:1\] \[Warn:0\] \[Skipped:0\]\n\n$/);
    const passed = cli([...engine, 'efficiency', '--highestWastedBytes', '5KB', 'gate/wasteful:1'], job, ci);
    assert.strictEqual(passed.code, 0, passed.out + passed.err);
    assert.match(passed.out, /\nResult:PASS \[Total:3\] \[Passed:3\] \[Failed:0\] \[Warn:0\] \[Skipped:0\]\n\n$/);
    // An image the engine does not have is an error, exit 1 as in dive, never a pass.
    const missing = cli([...engine, 'efficiency', 'gate/absent:1'], job, ci);
    assert.strictEqual(missing.code, 1, missing.out);
    assert.match(missing.err, /^Error: .*gate\/absent:1/);
    // Outside CI the same command is the plain report: the job's .dive-ci is not read.
    const plain = cli([...engine, 'efficiency', 'gate/wasteful:1'], job, { CI: 'false' });
    assert.strictEqual(plain.code, 0, plain.err);
    assert.strictEqual(plain.out, WASTEFUL_ANALYSIS + '\n');
  });

  it("reads dive's docker://IMAGE from the engine at DOCKER_HOST and podman://IMAGE from podman's own socket", async () => {
    const docker = cli(['efficiency', '--ci', 'docker://gate/wasteful:1'], dir, { DOCKER_HOST: `unix://${socket}` });
    assert.strictEqual(docker.code, 1, docker.err);
    assert.strictEqual(docker.out, WASTEFUL_CI_DEFAULTS);
    // podman's socket where `podman system service` puts it for a rootless user: $XDG_RUNTIME_DIR/podman.
    const podmanSocket = await socketOf('podman');
    const archive = path.join(dir, 'wasteful.tar');
    const podman = new DockerBackend({ host: podmanSocket });
    try {
      await podman.loadArchive(archive);
    } finally {
      podman.dispose();
    }
    const runtime = path.join(dir, 'runtime');
    fs.mkdirSync(path.join(runtime, 'podman'), { recursive: true });
    fs.symlinkSync(podmanSocket, path.join(runtime, 'podman', 'podman.sock'));
    const r = cli(['efficiency', 'podman://gate/wasteful:1'], dir, { CI: 'true', XDG_RUNTIME_DIR: runtime });
    assert.strictEqual(r.code, 1, r.err);
    assert.strictEqual(r.out, WASTEFUL_CI_DEFAULTS);
  });
});
