// `image-layers efficiency`: dive's numbers, report and CI gate from archives read in place (no store is made)
// and from the built-in store, checked against the report worked out by hand in fixtures/wasteful-image.ts.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { fixtureDiffIds, writeDockerSaveArchive, writeTarFile } from '../fixtures/archives';
import { assertDiveReport, WASTEFUL_ANALYSIS as ANALYSIS, WASTEFUL_IMAGE } from '../fixtures/wasteful-image';
import { zstdStore } from '../fixtures/zstd-frames';
import { tempDir } from './store/helpers';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

function cli(args: string[], cwd?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, IMAGE_LAYERS_STORE: '/nonexistent/il-store' } });
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
    assert.strictEqual(
      r.out,
      `${ANALYSIS}\n\nEvaluation:\n` +
        '  FAIL  highestUserWastedPercent (too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.80 > threshold=0.1))\n' +
        '  SKIP  highestWastedBytes (disabled)\n' +
        '  FAIL  lowestEfficiency (image efficiency is too low (efficiency=0.36 < threshold=0.9))\n\n' +
        'FAIL [fail:2 skip:1]\n',
    );
  });

  it('passes the gate on the rules of a .dive-ci in the current folder, exit 0; a flag overrides a rule', () => {
    writeFileSync(
      path.join(t.dir, '.dive-ci'),
      ['plugins:', '  - plugin1', 'rules:', '  # as dive writes them', '  lowestEfficiency: 0.35', '  highestWastedBytes: 5KB', '  highestUserWastedPercent: 0.80', '  plugin1/rule1: error', ''].join('\n'),
    );
    const pass = cli(['efficiency', '--ci', legacy], t.dir);
    assert.strictEqual(pass.code, 0, pass.out + pass.err);
    assert.match(pass.out, /\n {2}PASS {2}highestUserWastedPercent \(0\.80\)\n {2}PASS {2}highestWastedBytes \(5KB\)\n {2}PASS {2}lowestEfficiency \(0\.35\)\n\nPASS \[pass:3\]\n$/);
    const fail = cli(['efficiency', '--ci', '--highestWastedBytes', '4KB', legacy], t.dir);
    assert.strictEqual(fail.code, 1);
    assert.match(fail.out, /\n {2}FAIL {2}highestWastedBytes \(too many bytes wasted \(wasted-bytes=4800 > threshold=4000\)\)\n/);
    assert.match(fail.out, /\nFAIL \[pass:2 fail:1\]\n$/);
  });

  it('reads the rules from --config, and says which value dive would refuse', () => {
    const config = path.join(t.dir, 'gate.yaml');
    writeFileSync(config, 'rules:\n  lowestEfficiency: 0.3\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.85\n');
    const r = cli(['efficiency', '--ci', '--config', config, legacy]);
    assert.strictEqual(r.code, 0, r.out + r.err);
    assert.match(r.out, /PASS \[pass:2 skip:1\]\n$/);
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
    assert.match(r.err, /^Evaluation:\n[\s\S]*\nFAIL \[fail:2 skip:1\]\n$/);
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
    assert.match(gate.out, /\nPASS \[pass:2 skip:1\]\n$/);
    const diffIds = await fixtureDiffIds(WASTEFUL_IMAGE);
    await assertDiveReport(cli(['--store', store, '--json', 'efficiency', 'gate/wasteful:1']).out, diffIds.map((d) => d.slice(7)));
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
