// Package inventories on images built by a real dockerd from real package databases: this machine's dpkg
// database (compared with dpkg-query), a real Alpine `installed` file, an rpmdb.sqlite written by rpm itself
// (compared with `rpm -qa`), and the same headers in a Berkeley DB `Packages` written by Berkeley DB's db_load
// (compared with rpm's own Berkeley DB reader). Read by the engine backend (Docker, and Podman loading Docker's
// save) and by the store loading the same archive, field by field; and by the command line.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import initSqlJs from 'sql.js';
import * as tar from 'tar-stream';
import { pathToFileURL } from 'url';
import type { ImageBackend } from '../../src/backend/backend';
import { DockerBackend } from '../../src/backend/docker';
import { imagePackages } from '../../src/backend/image-packages';
import { LayerContentsCache } from '../../src/backend/layer-contents';
import { BuiltinStore } from '../../src/backend/store';
import type { PackageChange } from '../../src/core/packages/history';
import { build, saveImage } from './builds';
import { services, socketOf, tempDir } from './env';

const ROOT = path.join(__dirname, '..', '..', '..');
const APK_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'apk-installed-alpine-3.14-armv7');
const DOC = /^\/usr\/share\/(?:doc|man|info)\//;
const WITH_DOCS = ['tar', 'gzip', 'sed'];

interface Expected {
  name: string;
  version: string;
  arch: string;
  size: number;
  docs?: number;
}

type Row = Pick<PackageChange, 'kind' | 'name' | 'version' | 'arch' | 'size' | 'docs' | 'from'>;
const row = (c: PackageChange): Row => {
  const r: Row = { kind: c.kind, name: c.name, version: c.version, arch: c.arch, size: c.size };
  if (c.docs !== undefined) r.docs = c.docs;
  if (c.from !== undefined) r.from = c.from;
  return r;
};
const byName = (a: { name: string; arch: string }, b: { name: string; arch: string }) => (a.name + ' ' + a.arch < b.name + ' ' + b.arch ? -1 : 1);

/** What dpkg-query says is installed here, and the bytes of docs each package's .list names that the image holds. */
function dpkgQuery(): Expected[] {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${Installed-Size}\\t${binary:Package}\\n'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.startsWith('installed\t'))
    .map((l) => {
      const [, name, version, arch, kib] = l.split('\t');
      return { name, version, arch, size: Number(kib || 0) * 1024, docs: WITH_DOCS.includes(name) ? docFiles(name).reduce((n, f) => n + fs.statSync(f).size, 0) : 0 };
    })
    .sort(byName);
}

function docFiles(pkg: string): string[] {
  return fs
    .readFileSync(`/var/lib/dpkg/info/${pkg}.list`, 'utf8')
    .split('\n')
    .filter((f) => DOC.test(f) && fs.lstatSync(f, { throwIfNoEntry: false })?.isFile());
}

function apkFields(text: string): Expected[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((b) => {
      const field = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(b)?.[1] ?? '';
      return { name: field('P'), version: field('V'), arch: field('A'), size: Number(field('I')), docs: 0 };
    })
    .sort(byName);
}

/** Builds a noarch rpm with rpmbuild: one file, and a %doc file of `docBytes`. */
function rpmbuild(dir: string, name: string, version: string, docBytes: number): string {
  const spec = path.join(dir, `${name}-${version}.spec`);
  fs.writeFileSync(
    spec,
    [
      `Name: ${name}`,
      `Version: ${version}`,
      'Release: 1',
      'Epoch: 2',
      'Summary: a package built for a test',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'A package built for a test.',
      '%install',
      `mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/doc/${name}`,
      `printf '${name} ${version}\\n' > %{buildroot}/usr/bin/${name}`,
      `head -c ${docBytes} /dev/zero > %{buildroot}/usr/share/doc/${name}/README`,
      '%files',
      `/usr/bin/${name}`,
      `%doc /usr/share/doc/${name}/README`,
      '',
    ].join('\n'),
  );
  execFileSync('rpmbuild', ['-bb', '--define', `_topdir ${path.join(dir, 'top')}`, spec], { stdio: 'ignore' });
  return path.join(dir, 'top', 'RPMS', 'noarch', `${name}-${version}-1.noarch.rpm`);
}

function rpm(root: string, ...args: string[]): string {
  return execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** What rpm's Berkeley DB reader (bdb_ro) lists of a root: its %doc files by their flags, as `-qd` needs indexes this root lacks. */
function rpmBdbQuery(root: string): Expected[] {
  const out = execFileSync(
    'rpm',
    ['--root', root, '--dbpath', '/var/lib/rpm', '--define', '_db_backend bdb_ro', '-qa', '--qf', '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SIZE}\t[%{FILEFLAGS:fflags}=%{FILENAMES}\t]\n'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, version, arch, size, ...files] = l.split('\t');
      const docs = files.filter((f) => /^[^=]*d[^=]*=/.test(f)).reduce((n, f) => n + fs.statSync(path.join(root, f.slice(f.indexOf('=') + 1))).size, 0);
      return { name, version, arch, size: Number(size), docs };
    })
    .sort(byName);
}

/**
 * The header blobs rpm wrote into a root's rpmdb.sqlite, written by Berkeley DB's db_load into a hash database at
 * `file`, keyed as rpm's Berkeley DB backend keys them (header number, 4 bytes in the writing host's order; 0
 * holds the last). `bigEndian` writes it as an s390x host would.
 */
async function writeBdbPackages(sqlite: string, file: string, pageSize: number, bigEndian: boolean): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(fs.readFileSync(sqlite));
  const rows = db.exec('SELECT hnum, blob FROM Packages')[0].values as [number, Uint8Array][];
  db.close();
  const key = (n: number) => {
    const b = Buffer.alloc(4);
    if (bigEndian) b.writeUInt32BE(n);
    else b.writeUInt32LE(n);
    return b;
  };
  const hex = (b: Uint8Array) => ` ${Buffer.from(b).toString('hex')}`;
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', `db_pagesize=${pageSize}`, `db_lorder=${bigEndian ? 4321 : 1234}`, 'HEADER=END'];
  for (const [hnum, blob] of rows) lines.push(hex(key(hnum)), hex(blob));
  lines.push(hex(key(0)), hex(key(Math.max(...rows.map(([n]) => n)))), 'DATA=END');
  const dump = `${file}.dump`;
  fs.writeFileSync(dump, `${lines.join('\n')}\n`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('db5.3_load', ['-f', dump, file]);
  fs.rmSync(dump);
}

/** Berkeley DB's own account of a file (db_stat): its byte order, and its overflow pages (values too large for a bucket page). */
function bdbStat(file: string): { order: string; overflowPages: number } {
  const stat = execFileSync('db5.3_stat', ['-d', file], { encoding: 'utf8' });
  return { order: /^(\S+)\tByte order$/m.exec(stat)?.[1] ?? '', overflowPages: Number(/^(\d+)\tNumber of overflow pages$/m.exec(stat)?.[1]) };
}

/** What `rpm -qa` says of a root, with each package's %doc bytes as rpm lists them (`-qd`). */
function rpmQuery(root: string): Expected[] {
  return rpm(root, '-qa', '--qf', '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SIZE}\\n')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, version, arch, size] = l.split('\t');
      const docs = rpm(root, '-qd', name).split('\n').filter(Boolean).reduce((n, f) => n + fs.statSync(path.join(root, f)).size, 0);
      return { name, version, arch, size: Number(size), docs };
    })
    .sort(byName);
}

/** Every file under `dir` as a tar entry named `prefix/<relative path>`. */
function addTree(pack: tar.Pack, dir: string, prefix: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) addTree(pack, full, `${prefix}/${e.name}`);
    else if (e.isFile()) pack.entry({ name: `${prefix}/${e.name}`, mode: 0o644 }, fs.readFileSync(full));
  }
}

async function tarOf(fill: (pack: tar.Pack) => void): Promise<Buffer> {
  const pack = tar.pack();
  fill(pack);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const stanzas = (text: string) => text.split('\n\n').filter((s) => s.trim());

const KINDS = ['deb', 'apk', 'rpm', 'rpm-bdb'] as const;
type Kind = (typeof KINDS)[number];

describe('Packages: inventories of images built from real package databases, against the package managers', function () {
  this.timeout(300_000);
  /** `later`: the changes of the layers above layer 2, where an image has more. */
  const expected: Record<Kind, { layer1: Expected[]; layer2: Row[]; later?: Row[][] }> = {} as never;
  const archives: Record<string, string> = {};
  let work: string;

  before(async () => {
    // tsc makes import() a require(), which cannot load an .mjs file.
    const load = new Function('s', 'return import(s)') as (s: string) => Promise<{ ensureDebianPackages(p: { bin: string; pkg: string }[]): Promise<string[]> }>;
    const { ensureDebianPackages } = await load(pathToFileURL(path.join(ROOT, 'scripts', 'lib', 'apt.mjs')).href);
    await ensureDebianPackages([
      { bin: 'rpmbuild', pkg: 'rpm' },
      { bin: 'db5.3_load', pkg: 'db5.3-util' },
    ]);
    await services();
    work = await tempDir('packages');

    // dpkg: this machine's database and file lists, and the docs of three packages, in one layer; then a status
    // without tar, with gzip at another version and one package more, as apt would leave it.
    const status = fs.readFileSync('/var/lib/dpkg/status', 'utf8');
    const gzip = dpkgQuery().find((p) => p.name === 'gzip') as Expected;
    const added = 'Package: image-layers-fixture\nStatus: install ok installed\nPriority: optional\nInstalled-Size: 42\nMaintainer: nobody\nArchitecture: all\nVersion: 1.0-1\nDescription: a package a layer adds';
    const status2 = [...stanzas(status).filter((s) => !s.startsWith('Package: tar\n')).map((s) => (s.startsWith('Package: gzip\n') ? s.replace(/^Version: .*$/m, 'Version: 9:1.99-1') : s)), added].join('\n\n') + '\n';
    const layer1 = dpkgQuery();
    expected.deb = {
      layer1,
      layer2: [
        { kind: 'added', name: 'image-layers-fixture', version: '1.0-1', arch: 'all', size: 42 * 1024 },
        { kind: 'upgraded', name: 'gzip', version: '9:1.99-1', from: gzip.version, arch: gzip.arch, size: gzip.size },
        { ...(layer1.find((p) => p.name === 'tar') as Expected), kind: 'removed' },
      ],
    };

    // apk: a real Alpine 3.14 database; then one without scanelf and with busybox one release on.
    const installed = fs.readFileSync(APK_FIXTURE, 'utf8');
    const installed2 = stanzas(installed).filter((s) => !/^P:scanelf$/m.test(s)).map((s) => (/^P:busybox$/m.test(s) ? s.replace(/^V:1\.33\.1-r3$/m, 'V:1.33.1-r4') : s)).join('\n\n') + '\n\n';
    const apk1 = apkFields(installed);
    const busybox = apk1.find((p) => p.name === 'busybox') as Expected;
    expected.apk = {
      layer1: apk1,
      layer2: [
        { kind: 'upgraded', name: 'busybox', version: '1.33.1-r4', from: '1.33.1-r3', arch: busybox.arch, size: busybox.size, docs: 0 },
        { ...(apk1.find((p) => p.name === 'scanelf') as Expected), kind: 'removed' },
      ],
    };

    // rpm: two packages installed by rpm into a root, then one upgraded and the other erased.
    const rpmDir = path.join(work, 'rpm');
    const [root1, root2] = [path.join(rpmDir, 'root1'), path.join(rpmDir, 'root2')];
    fs.mkdirSync(root1, { recursive: true });
    const [hello1, hello2, other] = [rpmbuild(rpmDir, 'il-hello', '1.0', 3000), rpmbuild(rpmDir, 'il-hello', '2.0', 4000), rpmbuild(rpmDir, 'il-other', '1.0', 500)];
    rpm(root1, '--initdb');
    rpm(root1, '-i', '--nodeps', '--noscripts', hello1, other);
    const rpm1 = rpmQuery(root1);
    fs.cpSync(root1, root2, { recursive: true });
    rpm(root2, '-U', '--nodeps', '--noscripts', hello2);
    rpm(root2, '-e', '--nodeps', '--noscripts', 'il-other');
    const rpm2 = rpmQuery(root2);
    assert.deepStrictEqual(rpm2.map((p) => p.version), ['2:2.0-1']);
    expected.rpm = {
      layer1: rpm1,
      layer2: [
        { kind: 'upgraded', ...rpm2[0], from: '2:1.0-1' },
        { kind: 'removed', ...(rpm1.find((p) => p.name === 'il-other') as Expected) },
      ],
    };
    for (const r of [root1, root2]) for (const f of ['rpmdb.sqlite-shm', 'rpmdb.sqlite-wal', '.rpm.lock']) fs.rmSync(path.join(r, 'var/lib/rpm', f), { force: true });

    // rpm's Berkeley DB: the same roots with their headers in var/lib/rpm/Packages instead, as RHEL 8 keeps them:
    // 512-byte pages in layer 1, so every header runs over a chain of overflow pages; 64 KiB in layer 2, so
    // every header sits on its bucket's page, and big-endian, as an s390x image's.
    const [bdb1, bdb2] = [path.join(rpmDir, 'bdb1'), path.join(rpmDir, 'bdb2')];
    for (const [from, to, pageSize, bigEndian] of [[root1, bdb1, 512, false], [root2, bdb2, 65536, true]] as const) {
      fs.cpSync(from, to, { recursive: true });
      fs.rmSync(path.join(to, 'var/lib/rpm/rpmdb.sqlite'));
      await writeBdbPackages(path.join(from, 'var/lib/rpm/rpmdb.sqlite'), path.join(to, 'var/lib/rpm/Packages'), pageSize, bigEndian);
    }
    const stats = [bdb1, bdb2].map((r) => bdbStat(path.join(r, 'var/lib/rpm/Packages')));
    assert.deepStrictEqual([stats[0].order, stats[1].order, stats[1].overflowPages], ['Little-endian', 'Big-endian', 0], "the files' byte orders, and layer 2's headers on bucket pages");
    assert.ok(stats[0].overflowPages > 0, 'layer 1 keeps its headers on overflow pages');
    const bdbQuery1 = rpmBdbQuery(bdb1);
    const bdbQuery2 = rpmBdbQuery(bdb2);
    assert.deepStrictEqual([bdbQuery1.map((p) => p.docs), bdbQuery2.map((p) => p.version)], [[3000, 500], ['2:2.0-1']]);
    // Layer 3: rpm 4.16+ converts that database to sqlite (`rpmdb --rebuilddb`), then installs il-other 1.1 and
    // erases il-hello. COPY leaves layer 2's Packages below: rpm reads the sqlite one, and so must the view.
    const converted = path.join(rpmDir, 'converted');
    fs.cpSync(bdb2, converted, { recursive: true });
    execFileSync('rpmdb', ['--root', converted, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', '--rebuilddb'], { stdio: 'ignore' });
    assert.deepStrictEqual(fs.readdirSync(path.join(converted, 'var/lib/rpm')).filter((f) => !f.startsWith('rpmdb.sqlite')), [], 'the conversion leaves no Packages');
    rpm(converted, '-i', '--nodeps', '--noscripts', rpmbuild(rpmDir, 'il-other', '1.1', 600));
    rpm(converted, '-e', '--nodeps', '--noscripts', 'il-hello');
    for (const f of ['rpmdb.sqlite-shm', 'rpmdb.sqlite-wal', '.rpm.lock']) fs.rmSync(path.join(converted, 'var/lib/rpm', f), { force: true });
    fs.rmSync(path.join(converted, 'usr/bin/il-hello'), { force: true });
    const afterConversion = rpmQuery(converted);
    assert.deepStrictEqual(afterConversion.map((p) => p.name), ['il-other']);
    expected['rpm-bdb'] = {
      layer1: bdbQuery1,
      layer2: [
        { kind: 'upgraded', ...bdbQuery2[0], from: '2:1.0-1' },
        { kind: 'removed', ...(bdbQuery1.find((p) => p.name === 'il-other') as Expected) },
      ],
      later: [
        [
          { kind: 'added', ...afterConversion[0] },
          { kind: 'removed', ...bdbQuery2[0] },
        ],
      ],
    };

    const context = await tarOf((pack) => {
      pack.entry({ name: 'Dockerfile.deb' }, 'FROM scratch\nCOPY deb/root/ /\nCOPY deb/status2 /var/lib/dpkg/status\n');
      pack.entry({ name: 'deb/root/var/lib/dpkg/status' }, status);
      for (const f of fs.readdirSync('/var/lib/dpkg/info').filter((n) => n.endsWith('.list'))) pack.entry({ name: `deb/root/var/lib/dpkg/info/${f}` }, fs.readFileSync(`/var/lib/dpkg/info/${f}`));
      for (const p of WITH_DOCS) for (const f of docFiles(p)) pack.entry({ name: `deb/root${f}` }, fs.readFileSync(f));
      pack.entry({ name: 'deb/status2' }, status2);
      pack.entry({ name: 'Dockerfile.apk' }, 'FROM scratch\nCOPY apk/installed /lib/apk/db/installed\nCOPY apk/installed2 /lib/apk/db/installed\n');
      pack.entry({ name: 'apk/installed' }, installed);
      pack.entry({ name: 'apk/installed2' }, installed2);
      pack.entry({ name: 'Dockerfile.rpm' }, 'FROM scratch\nCOPY rpm/root1/ /\nCOPY rpm/root2/ /\n');
      addTree(pack, root1, 'rpm/root1');
      addTree(pack, root2, 'rpm/root2');
      pack.entry({ name: 'Dockerfile.rpm-bdb' }, 'FROM scratch\nCOPY rpm/bdb1/ /\nCOPY rpm/bdb2/ /\nCOPY rpm/converted/ /\n');
      addTree(pack, bdb1, 'rpm/bdb1');
      addTree(pack, bdb2, 'rpm/bdb2');
      addTree(pack, converted, 'rpm/converted');
    });
    const docker = await socketOf('docker');
    for (const kind of KINDS) {
      await build(docker, context, { tag: `packages/${kind}:1`, dockerfile: `Dockerfile.${kind}`, buildkit: true });
      archives[kind] = path.join(work, `${kind}.tar`);
      await saveImage(docker, `packages/${kind}:1`, archives[kind]);
    }
  });

  async function backends(): Promise<[string, ImageBackend][]> {
    const store = new BuiltinStore(path.join(work, `store-${Date.now()}`));
    const podman = new DockerBackend({ host: await socketOf('podman') });
    for (const file of Object.values(archives)) {
      await store.loadArchive(file);
      await podman.loadArchive(file);
    }
    return [
      ['Docker', new DockerBackend({ host: await socketOf('docker') })],
      ['Podman', podman],
      ['the store', store],
    ];
  }

  for (const kind of KINDS) {
    it(`${kind}: layer 1 lists what the package manager says is installed, layer 2 what changed, on every backend`, async () => {
      for (const [name, backend] of await backends()) {
        try {
          const report = await imagePackages(backend, `packages/${kind}:1`, { cache: new LayerContentsCache() });
          const later = expected[kind].later ?? [];
          assert.strictEqual(report.layers.length, 2 + later.length, name);
          const [one, two, ...rest] = report.layers;
          assert.ok(one.changes.every((c) => c.kind === 'added'), name);
          assert.deepStrictEqual(one.changes.map((c) => ({ name: c.name, version: c.version, arch: c.arch, size: c.size, docs: c.docs })).sort(byName), expected[kind].layer1, `${name}: layer 1`);
          assert.deepStrictEqual(two.changes.map(row), expected[kind].layer2, `${name}: layer 2`);
          assert.deepStrictEqual(rest.map((l) => l.changes.map(row)), later, `${name}: the layers above`);
          assert.deepStrictEqual([report.layers.map((l) => l.problems), report.truncated], [report.layers.map(() => []), []], name);
        } finally {
          backend.dispose();
        }
      }
    });
  }

  it('prints the tables and the JSON from the command line, on the store and on the engine', async () => {
    const store = path.join(work, 'cli-store');
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(cli('--store', store, 'load', archives.deb).status, 0);
    const table = cli('--store', store, 'packages', 'packages/deb:1');
    assert.strictEqual(table.status, 0, table.stderr);
    const installed = expected.deb.layer1;
    const bytes = installed.reduce((n, p) => n + p.size, 0);
    const { formatBytes } = await import('../../src/core/format');
    const docs = installed.reduce((n, p) => n + (p.docs ?? 0), 0);
    assert.match(table.stdout, new RegExp(`^LAYER +CREATED BY +PACKAGES +ADDED +UPGRADED +DOWNGRADED +REMOVED +SIZE +DOCS\\n1 +COPY deb/root/ / +${installed.length} +${installed.length} +0 +0 +0 +${formatBytes(bytes)} +${formatBytes(docs)}\\n2 +COPY deb/status2 /var/lib/dpkg/status +${installed.length} +1 +1 +0 +1 `, 'm'));
    assert.match(table.stdout, /^2 +removed +dpkg +tar +\S+ +amd64 /m);
    assert.match(table.stdout, /^2 +upgraded +dpkg +gzip +\S+ -> 9:1\.99-1 /m);
    const json = cli('--store', store, '--json', 'packages', 'packages/deb:1');
    const onEngine = cli('--docker', `unix://${await socketOf('docker')}`, '--json', 'packages', 'packages/deb:1');
    assert.strictEqual(onEngine.status, 0, onEngine.stderr);
    const strip = (text: string) => (JSON.parse(text) as { layers: { changes: PackageChange[] }[] }).layers.map((l) => l.changes);
    assert.deepStrictEqual(strip(onEngine.stdout), strip(json.stdout));
    assert.deepStrictEqual(strip(json.stdout)[1].map(row), expected.deb.layer2);
    // The bundle loads SQLite from the files shipped beside it (dist/sql-wasm.js and .wasm).
    assert.strictEqual(cli('--store', store, 'load', archives.rpm).status, 0);
    const rpmJson = cli('--store', store, '--json', 'packages', 'packages/rpm:1');
    assert.strictEqual(rpmJson.status, 0, rpmJson.stderr);
    assert.deepStrictEqual(strip(rpmJson.stdout)[1].map(row), expected.rpm.layer2);
    assert.strictEqual(cli('--store', store, 'load', archives['rpm-bdb']).status, 0);
    const bdbJson = cli('--store', store, '--json', 'packages', 'packages/rpm-bdb:1');
    assert.strictEqual(bdbJson.status, 0, bdbJson.stderr);
    assert.deepStrictEqual(strip(bdbJson.stdout)[1].map(row), expected['rpm-bdb'].layer2);
  });
});
