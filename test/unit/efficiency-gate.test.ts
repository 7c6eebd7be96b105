// `image-layers efficiency`: dive's numbers, report and CI gate from archives read in place (no store is made)
// and from the built-in store, checked against the report worked out by hand in fixtures/wasteful-image.ts.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { fixtureDiffIds, writeDockerSaveArchive, writeTarFile } from '../fixtures/archives';
import { assertDiveReport, WASTEFUL_ANALYSIS as ANALYSIS, WASTEFUL_CI_DEFAULTS as CI_DEFAULTS, WASTEFUL_IMAGE } from '../fixtures/wasteful-image';
import { zstdStore } from '../fixtures/zstd-frames';
import { tempDir } from './store/helpers';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

// CI is cleared unless a test sets it: a CI runner's own CI=true would turn every run into the gate.
function cli(args: string[], cwd?: string, env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, IMAGE_LAYERS_STORE: '/nonexistent/il-store', CI: undefined, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The layer files a docker save archive's manifest.json names, read with GNU tar rather than this code. */
function manifestLayers(archive: string): string[] {
  return (JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' })) as { Layers: string[] }[])[0].Layers;
}

describe('image-layers efficiency: dive\'s numbers and CI gate', function () {
  this.timeout(30000);
  let t: ReturnType<typeof tempDir>;
  let legacy: string;
  beforeEach(async () => {
    t = tempDir();
    legacy = path.join(t.dir, 'wasteful.tar');
    await writeDockerSaveArchive(legacy, [WASTEFUL_IMAGE]);
  });
  afterEach(() => t.cleanup());

  it('prints dive\'s analysis of a docker save archive, read in place: no store is made', () => {
    const r = cli(['efficiency', legacy]);
    assert.strictEqual(r.code, 0, r.err);
    assert.strictEqual(r.out, ANALYSIS + '\n');
    assert.ok(!existsSync('/nonexistent/il-store'));
  });

  it('fails the gate with dive\'s defaults: one FAIL line per broken rule, exit 1', () => {
    const r = cli(['efficiency', '--ci', legacy], t.dir);
    assert.strictEqual(r.code, 1, r.err);
    assert.strictEqual(r.out, CI_DEFAULTS);
  });

  it('turns the gate on for CI=true in the environment, as dive does, with Go\'s spellings of true', () => {
    for (const value of ['true', '1', 'True', 'TRUE', 't']) {
      const r = cli(['efficiency', legacy], t.dir, { CI: value });
      assert.strictEqual(r.code, 1, `CI=${value}: ${r.err}`);
      assert.strictEqual(r.out, CI_DEFAULTS, `CI=${value}`);
    }
    for (const value of ['false', '0', 'yes', '']) {
      const r = cli(['efficiency', legacy], t.dir, { CI: value });
      assert.strictEqual(r.code, 0, `CI=${value}: ${r.err}`);
      assert.strictEqual(r.out, ANALYSIS + '\n', `CI=${value}`);
    }
    // Rule flags need the gate; CI=true gives it, as --ci does.
    const flagged = cli(['efficiency', '--lowestEfficiency', '0.3', '--highestUserWastedPercent', '0.9', legacy], t.dir, { CI: 'true' });
    assert.strictEqual(flagged.code, 0, flagged.out + flagged.err);
    assert.match(flagged.out, /\nResult:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Warn:0\] \[Skipped:1\]\n\n$/);
  });

  it('writes the --json report and no gate under CI=true, as dive exports instead of gating; --ci still gates', async () => {
    const ids = manifestLayers(legacy).map((l) => l.split('/')[0]);
    const r = cli(['--json', 'efficiency', legacy], t.dir, { CI: 'true' });
    assert.strictEqual(r.code, 0, r.err);
    assert.strictEqual(r.err, '');
    await assertDiveReport(r.out, ids);
    const gated = cli(['--json', 'efficiency', '--ci', legacy], t.dir, { CI: 'true' });
    assert.strictEqual(gated.code, 1);
    assert.strictEqual(gated.err, CI_DEFAULTS);
  });

  it('passes the gate on the rules of a .dive-ci in the current folder, exit 0; a flag overrides a rule', () => {
    writeFileSync(
      path.join(t.dir, '.dive-ci'),
      ['plugins:', '  - plugin1', 'rules:', '  # as dive writes them', '  lowestEfficiency: 0.35', '  highestWastedBytes: 5KB', '  highestUserWastedPercent: 0.80', '  plugin1/rule1: error', ''].join('\n'),
    );
    const pass = cli(['efficiency', '--ci', legacy], t.dir);
    assert.strictEqual(pass.code, 0, pass.out + pass.err);
    assert.match(pass.out, /^ {2}Using CI config: \.dive-ci\n/);
    assert.match(pass.out, /\nResults:\n {2}PASS: highestUserWastedPercent\n {2}PASS: highestWastedBytes\n {2}PASS: lowestEfficiency\nResult:PASS \[Total:3\] \[Passed:3\] \[Failed:0\] \[Warn:0\] \[Skipped:0\]\n\n$/);
    const fail = cli(['efficiency', '--ci', '--highestWastedBytes', '4KB', legacy], t.dir);
    assert.strictEqual(fail.code, 1);
    assert.match(fail.out, /\n {2}FAIL: highestWastedBytes: too many bytes wasted \(wasted-bytes=4800 > threshold=4000\)\n/);
    assert.match(fail.out, /\nResult:FAIL \[Total:3\] \[Passed:2\] \[Failed:1\] \[Warn:0\] \[Skipped:0\]\n\n$/);
  });

  it('reads .dive-ci as dive does: an empty value keeps the default, keys in any case, only "disabled" skips', () => {
    const dotDiveCi = path.join(t.dir, '.dive-ci');
    writeFileSync(dotDiveCi, 'Rules:\n  LowestEfficiency:\n  highestuserwastedpercent: 0.85\n');
    const r = cli(['efficiency', '--ci', legacy], t.dir);
    assert.strictEqual(r.code, 1, r.err);
    assert.match(r.out, /\n {2}PASS: highestUserWastedPercent\n {2}SKIP: highestWastedBytes: rule disabled\n {2}FAIL: lowestEfficiency: image efficiency is too low \(efficiency=0\.35714285714285715 < threshold=0\.9\)\n/);
    writeFileSync(dotDiveCi, 'rules:\n  lowestEfficiency: off\n');
    const off = cli(['efficiency', '--ci', legacy], t.dir);
    assert.strictEqual(off.code, 1);
    assert.strictEqual(off.err, 'Error: invalid lowestEfficiency config value, given "off": it is not a number.\n');
  });

  it("reads the rules from dive's --ci-config (or --config), and says which value dive would refuse", () => {
    const config = path.join(t.dir, 'gate.yaml');
    writeFileSync(config, 'rules:\n  lowestEfficiency: 0.3\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.85\n');
    const r = cli(['efficiency', '--ci', '--ci-config', 'gate.yaml', legacy], t.dir);
    assert.strictEqual(r.code, 0, r.out + r.err);
    assert.match(r.out, /^ {2}Using CI config: gate\.yaml\n[\s\S]*\nResult:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Warn:0\] \[Skipped:1\]\n\n$/);
    assert.strictEqual(cli(['efficiency', '--ci', '--config', config, legacy]).out, r.out.replace('gate.yaml', config));
    const bad = cli(['efficiency', '--ci', '--config', config, '--lowestEfficiency', '1.5', legacy]);
    assert.strictEqual(bad.code, 1);
    assert.strictEqual(bad.err, "Error: lowestEfficiency config value is outside allowed range (0-1), given '1.500000'.\n");
    const missing = cli(['efficiency', '--ci', '--config', path.join(t.dir, 'none.yaml'), legacy]);
    assert.strictEqual(missing.code, 1);
    assert.match(missing.err, /^Error: The CI config file .*none\.yaml does not exist\.\n$/);
    const noCi = cli(['efficiency', '--lowestEfficiency', '0.5', legacy]);
    assert.strictEqual(noCi.code, 2);
    assert.match(noCi.err, /^--lowestEfficiency sets a rule of the CI gate: add --ci\./);
  });

  it("reads an archive named as dive names one: docker-archive://, docker-tar:// or --source docker-archive", () => {
    for (const args of [[`docker-archive://${legacy}`], ['docker-tar://wasteful.tar'], ['--source', 'docker-archive', 'wasteful.tar']]) {
      const r = cli(['efficiency', '--ci', ...args], t.dir);
      assert.strictEqual(r.code, 1, `${args.join(' ')}: ${r.err}`);
      assert.strictEqual(r.out, CI_DEFAULTS, args.join(' '));
    }
    const missing = cli(['efficiency', '--ci', 'docker-archive://none.tar'], t.dir);
    assert.strictEqual(missing.code, 1);
    assert.match(missing.err, /^Error: .*none\.tar does not exist\.\n$/);
    const unknown = cli(['efficiency', '--source', 'oci', 'wasteful.tar'], t.dir);
    assert.strictEqual(unknown.code, 2);
    assert.match(unknown.err, /^--source is docker, podman or docker-archive, not "oci"\./);
  });

  it("writes dive's --json report, field by field as worked out by hand, from each kind of archive", async () => {
    const legacyIds = manifestLayers(legacy).map((l) => l.split('/')[0]);
    await assertDiveReport(cli(['--json', 'efficiency', legacy]).out, legacyIds);

    const gz = path.join(t.dir, 'wasteful.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(legacy)));
    await assertDiveReport(cli(['--json', 'efficiency', gz]).out, legacyIds);

    // Docker 25+: an OCI layout with a manifest.json; dive names every layer "blobs" there.
    const oci = path.join(t.dir, 'wasteful-oci.tar');
    await writeDockerSaveArchive(oci, [WASTEFUL_IMAGE], { layout: 'oci', gzipLayers: true });
    await assertDiveReport(cli(['--json', 'efficiency', oci]).out, ['blobs', 'blobs', 'blobs']);

    // zstd layers (as podman and skopeo keep them), inflated as the walk passes them.
    const zstd = path.join(t.dir, 'wasteful-zstd.tar');
    await writeDockerSaveArchive(zstd, [WASTEFUL_IMAGE], { layout: 'oci', blobOf: zstdStore });
    await assertDiveReport(cli(['--json', 'efficiency', zstd]).out, ['blobs', 'blobs', 'blobs']);

    // A plain OCI layout folder (no manifest.json: index.json is followed).
    const folder = path.join(t.dir, 'layout');
    mkdirSync(folder);
    execFileSync('tar', ['-xf', oci, '-C', folder]);
    rmSync(path.join(folder, 'manifest.json'));
    await assertDiveReport(cli(['--json', 'efficiency', folder]).out, ['blobs', 'blobs', 'blobs']);
  });

  it('--json --ci keeps stdout for the report and says the gate on stderr', async () => {
    const r = cli(['--json', 'efficiency', '--ci', legacy], t.dir);
    assert.strictEqual(r.code, 1);
    await assertDiveReport(r.out, manifestLayers(legacy).map((l) => l.split('/')[0]));
    assert.strictEqual(r.err, CI_DEFAULTS);
  });

  it('reads the first image of an archive of several, as dive does, and says so', async () => {
    const two = path.join(t.dir, 'two.tar');
    await writeDockerSaveArchive(two, [WASTEFUL_IMAGE, { tags: ['gate/lean:1'], layers: [{ files: [{ path: 'a.txt', content: 'a' }] }] }]);
    const r = cli(['efficiency', two]);
    assert.strictEqual(r.out, ANALYSIS + '\n', r.err);
    assert.strictEqual(r.err, 'two.tar holds 2 images; this is the first, gate/wasteful:1.\n');
  });

  it('gives the same numbers for the image loaded into the store, named by its tag', async () => {
    const store = path.join(t.dir, 'store');
    assert.strictEqual(cli(['--store', store, 'load', legacy]).code, 0);
    const text = cli(['--store', store, 'efficiency', 'gate/wasteful:1']);
    assert.strictEqual(text.out, ANALYSIS + '\n', text.err);
    const gate = cli(['--store', store, 'efficiency', '--ci', '--lowestEfficiency', '0.3', '--highestUserWastedPercent', '0.9', 'gate/wasteful:1'], t.dir);
    assert.strictEqual(gate.code, 0, gate.out + gate.err);
    assert.match(gate.out, /\nResult:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Warn:0\] \[Skipped:1\]\n\n$/);
    const diffIds = await fixtureDiffIds(WASTEFUL_IMAGE);
    await assertDiveReport(cli(['--store', store, '--json', 'efficiency', 'gate/wasteful:1']).out, diffIds.map((d) => d.slice(7)));
  });

  it('prints a hostile path with its control characters escaped: an image cannot add a PASS line to the report', async () => {
    const forged = 'app/x\n  PASS: lowestEfficiency\nResult:PASS \u001b[2K';
    const archive = path.join(t.dir, 'forged.tar');
    await writeDockerSaveArchive(archive, [{ tags: ['gate/forged:1'], layers: [{ files: [{ path: forged, content: 'a'.repeat(100) }] }, { files: [{ path: forged, content: 'b' }] }] }]);
    for (const args of [['efficiency', '--ci', archive], ['efficiency', archive]]) {
      const r = cli(args, t.dir);
      assert.ok(r.out.includes('/app/x\\n  PASS: lowestEfficiency\\nResult:PASS \\u001b[2K'), r.out);
      assert.ok(!/^ {2}PASS: lowestEfficiency$|^Result:PASS|\u001b/m.test(r.out), r.out);
    }
  });

  it('refuses hostile archives with a sentence, reading nothing outside them', async () => {
    const escape = path.join(t.dir, 'escape.tar');
    await writeTarFile(escape, [{ name: '../outside.json', data: Buffer.from('{}') }]);
    const r1 = cli(['efficiency', escape]);
    assert.strictEqual(r1.code, 1);
    assert.strictEqual(r1.err, 'Error: escape.tar has an entry whose path leaves the archive ("../outside.json").\n');

    const link = path.join(t.dir, 'link.tar');
    await writeTarFile(link, [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'] }])) },
      { name: 'c.json', type: 'symlink', linkname: '/etc/passwd' },
    ]);
    const r2 = cli(['efficiency', link]);
    assert.strictEqual(r2.code, 1);
    assert.match(r2.err, /^Error: link\.tar has a link "c\.json" pointing outside the archive \("\/etc\/passwd"\)\.\n$/);

    const corrupt = path.join(t.dir, 'corrupt.tar');
    await writeTarFile(corrupt, [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'], RepoTags: ['<b>x</b>'] }])) },
      { name: 'c.json', data: Buffer.from('{"rootfs":{"diff_ids":[]}}') },
      { name: 'l.tar', data: Buffer.from('not a tar at all, but long enough to be read as one: '.repeat(20)) },
    ]);
    const r3 = cli(['efficiency', corrupt]);
    assert.strictEqual(r3.code, 1);
    assert.match(r3.err, /^Error: corrupt\.tar has an invalid tag "<b>x<\/b>"\.\n$/);

    const badLayer = path.join(t.dir, 'bad-layer.tar');
    await writeTarFile(badLayer, [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'], RepoTags: ['x:1'] }])) },
      { name: 'c.json', data: Buffer.from('{"rootfs":{"diff_ids":[]}}') },
      { name: 'l.tar', data: Buffer.from('not a tar at all, but long enough to be read as one: '.repeat(20)) },
    ]);
    const r4 = cli(['efficiency', '--ci', badLayer]);
    assert.strictEqual(r4.code, 1);
    assert.match(r4.err, /^Error: Layer 1 of x:1 is not a valid layer tar \(Invalid tar header[^\n]*\)\.\n$/);
    assert.strictEqual(r4.out, '');

    // A .tar.gz cut short: a sentence, not a score of what was read.
    const cut = path.join(t.dir, 'cut.tar.gz');
    const whole = gzipSync(readFileSync(legacy));
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const r5 = cli(['efficiency', '--ci', cut]);
    assert.strictEqual(r5.code, 1);
    assert.match(r5.err, /^Error: cut\.tar\.gz is not a readable tar archive \([^\n]+\); it may be truncated or damaged\.\n$/);
  });
});
