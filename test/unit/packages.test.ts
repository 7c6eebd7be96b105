// Package databases read from layers: this machine's own dpkg database against dpkg-query, a real Alpine
// database against its own fields, each layer's changes, and databases that are damaged or too large.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import initSqlJs from 'sql.js';
import * as tar from 'tar-stream';
import { readLayerEntries } from '../../src/backend/layer-contents';
import { overrideLimits } from '../../src/backend/limits';
import { parseApkInstalled } from '../../src/core/packages/apk';
import { parseDpkgStatus } from '../../src/core/packages/dpkg';
import { describeLayerPackages, packageHistory } from '../../src/core/packages/history';
import type { LayerPackageDbs } from '../../src/core/packages/model';
import { compareVersions } from '../../src/core/packages/version';

const APK_FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'apk-installed-alpine-3.14-armv7');

async function layer(files: { name: string; body?: Buffer | string }[]): Promise<Readable> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mtime: new Date(0) }, f.body === undefined ? '' : f.body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Readable.from([Buffer.concat(chunks)]);
}

const stanza = (name: string, version: string, kib = 10, status = 'install ok installed') =>
  `Package: ${name}\nStatus: ${status}\nVersion: ${version}\nArchitecture: amd64\nInstalled-Size: ${kib}\nDescription: x\n multi-line\n`;

describe('package databases', () => {
  it("reads this machine's dpkg status as dpkg-query lists it, field by field", () => {
    const query = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${Installed-Size}\\n'], { encoding: 'utf8' });
    const expected = query
      .split('\n')
      .filter((l) => l && !/^(not-installed|config-files)\t/.test(l))
      .map((l) => {
        const [, name, version, arch, kib] = l.split('\t');
        return { name, version, arch, size: Number(kib || 0) * 1024 };
      })
      .sort((a, b) => (a.name + a.arch < b.name + b.arch ? -1 : 1));
    const read = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8'))
      .packages.map((p) => ({ name: p.name, version: p.version, arch: p.arch, size: p.size }))
      .sort((a, b) => (a.name + a.arch < b.name + b.arch ? -1 : 1));
    assert.ok(expected.length > 50, `dpkg-query listed ${expected.length} packages`);
    assert.deepStrictEqual(read, expected);
  });

  it("reads a real Alpine database's name, version, arch and installed size for every package", () => {
    const text = readFileSync(APK_FIXTURE, 'utf8');
    // The same fields read another way: each blank-line-separated block's P:, V:, A:, I: lines.
    const expected = text
      .split('\n\n')
      .filter((b) => b.trim())
      .map((b) => {
        const field = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(b)?.[1] ?? '';
        return { name: field('P'), version: field('V'), arch: field('A'), size: Number(field('I')) };
      });
    const { packages, skipped } = parseApkInstalled(text);
    assert.strictEqual(skipped, 0);
    assert.strictEqual(packages.length, 26);
    assert.deepStrictEqual(packages.map((p) => ({ name: p.name, version: p.version, arch: p.arch, size: p.size })), expected);
    const busybox = packages.find((p) => p.name === 'busybox');
    assert.ok(busybox?.files.includes('bin/busybox') && busybox.files.includes('usr/share/udhcpc/default.script'));
  });

  it('orders versions as dpkg does', () => {
    assert.ok(compareVersions('1.0~rc1', '1.0') < 0);
    assert.ok(compareVersions('1:0.1', '2.0') > 0);
    assert.ok(compareVersions('1.10', '1.9') > 0);
    assert.ok(compareVersions('1.2.13-r10', '1.2.13-r9') > 0);
    assert.ok(compareVersions('2.36-9+deb12u4', '2.36-9+deb12u10') < 0);
    assert.strictEqual(compareVersions('1.0-1', '1.0-1'), 0);
  });

  it("says per layer what was added, upgraded, downgraded and removed, with sizes and docs", async () => {
    const base = [stanza('libc6', '2.36-9', 12000), stanza('tar', '1.34', 3000), stanza('gzip', '1.12', 250), stanza('old', '1', 1, 'deinstall ok config-files')].join('\n');
    const one = await readLayerEntries(
      await layer([
        { name: 'var/lib/dpkg/status', body: base },
        { name: 'var/lib/dpkg/info/tar.list', body: '/.\n/usr/bin/tar\n/usr/share/doc/tar/NEWS.gz\n/usr/share/man/man1/tar.1.gz\n' },
        { name: 'usr/bin/tar', body: Buffer.alloc(5000) },
        { name: 'usr/share/doc/tar/NEWS.gz', body: Buffer.alloc(1200) },
        { name: 'usr/share/man/man1/tar.1.gz', body: Buffer.alloc(300) },
      ]),
    );
    const two = await readLayerEntries(await layer([{ name: 'var/lib/dpkg/status', body: [stanza('libc6', '2.36-10', 12100), stanza('gzip', '1.10', 240), stanza('curl', '7.88', 500)].join('\n') }]));
    const three = await readLayerEntries(await layer([{ name: 'etc/hostname', body: 'x' }]));
    const four = await readLayerEntries(await layer([{ name: 'var/lib/dpkg/.wh.status' }]));
    const history = packageHistory([one, two, three, four].map((c) => c.packages ?? { dbs: [], removed: [], problems: [] }));
    assert.deepStrictEqual(
      history.map((h) => [h.touched, h.added, h.upgraded, h.downgraded, h.removed, h.total]),
      [
        [true, 3, 0, 0, 0, 3],
        [true, 1, 1, 1, 1, 3],
        [false, 0, 0, 0, 0, 3],
        [true, 0, 0, 0, 3, 0],
      ],
    );
    assert.strictEqual(history[0].bytes, (12000 + 3000 + 250) * 1024);
    // tar's list names 1,500 bytes of docs in this layer; libc6 and gzip have no list, so their docs are unknown.
    assert.strictEqual(history[0].docs, 1500);
    assert.strictEqual(describeLayerPackages(history[0]), '3 packages added, 15.6MB, of which 1.5kB docs');
    assert.deepStrictEqual(
      history[1].changes.map((c) => `${c.kind} ${c.name} ${c.from ?? ''}>${c.version}`),
      ['added curl >7.88', 'upgraded libc6 2.36-9>2.36-10', 'downgraded gzip 1.12>1.10', 'removed tar >1.34'],
    );
    assert.strictEqual(describeLayerPackages(history[1]), '1 package added, 1 upgraded, 1 downgraded, 13.1MB; 1 removed');
    assert.strictEqual(describeLayerPackages(history[2]), undefined);
    assert.strictEqual(describeLayerPackages(history[3]), '3 packages removed');
  });

  it("reads distroless' status.d, one file per package, and an opaque folder that empties it", async () => {
    const one = await readLayerEntries(
      await layer([
        { name: 'var/lib/dpkg/status.d/base', body: 'Package: base-files\nVersion: 12.4\nArchitecture: amd64\nInstalled-Size: 400\n' },
        { name: 'var/lib/dpkg/status.d/libssl3', body: 'Package: libssl3\nVersion: 3.0.11\nArchitecture: amd64\nInstalled-Size: 6000\n' },
        { name: 'var/lib/dpkg/status.d/libssl3.md5sums', body: '0123  usr/lib/libssl.so.3\nabcd  usr/share/doc/libssl3/copyright\n' },
        { name: 'usr/share/doc/libssl3/copyright', body: Buffer.alloc(700) },
      ]),
    );
    const two = await readLayerEntries(await layer([{ name: 'var/lib/dpkg/status.d/.wh..wh..opq' }, { name: 'var/lib/dpkg/status.d/tzdata', body: 'Package: tzdata\nVersion: 2024a\nArchitecture: all\n' }]));
    const [a, b] = packageHistory([one.packages as LayerPackageDbs, two.packages as LayerPackageDbs]);
    assert.deepStrictEqual(a.changes.map((c) => [c.name, c.size, c.docs]), [['base-files', 400 * 1024, undefined], ['libssl3', 6000 * 1024, 700]]);
    assert.deepStrictEqual(b.changes.map((c) => `${c.kind} ${c.name}`), ['added tzdata', 'removed base-files', 'removed libssl3']);
  });

  describe('bad input', () => {
    it('says a database past the size limit was not read, and still lists the layer', async () => {
      const restore = overrideLimits({ packageDbMaxBytes: 1000 });
      try {
        const c = await readLayerEntries(await layer([{ name: 'var/lib/dpkg/status', body: stanza('x', '1').repeat(40) }, { name: 'etc/a', body: 'a' }]));
        assert.strictEqual(c.entries.length, 2);
        assert.deepStrictEqual(c.packages?.dbs, []);
        assert.match(c.packages?.problems[0] ?? '', /^\/var\/lib\/dpkg\/status is \d.*kB, more than a package database can be: it was not read\.$/);
      } finally {
        restore();
      }
    });

    it('reads 150,000 stanzas in a few seconds, and refuses bytes that hold none', async () => {
      const started = Date.now();
      const big = Array.from({ length: 150_000 }, (_, i) => stanza(`p${i}`, '1.0')).join('\n');
      const { packages } = parseDpkgStatus(big);
      assert.strictEqual(packages.length, 150_000);
      assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
      const c = await readLayerEntries(await layer([{ name: 'lib/apk/db/installed', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]) }]));
      assert.deepStrictEqual(c.packages?.dbs, []);
      assert.deepStrictEqual(c.packages?.problems, ['/lib/apk/db/installed could not be read as a package database (no "P:" stanza in it).']);
    });

    it('says an rpmdb.sqlite that is no database, or whose headers are damaged, could not be read', async () => {
      const garbage = await readLayerEntries(await layer([{ name: 'var/lib/rpm/rpmdb.sqlite', body: Buffer.alloc(4096, 0x41) }]));
      assert.match(garbage.packages?.problems[0] ?? '', /^\/var\/lib\/rpm\/rpmdb\.sqlite could not be read as a package database \(file is not a database\)\.$/);
      // A real SQLite file whose Packages rows are headers with lengths past their end, or not headers at all.
      const SQL = await initSqlJs();
      const db = new SQL.Database();
      db.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
      const lying = Buffer.alloc(24);
      lying.writeUInt32BE(1, 0);
      lying.writeUInt32BE(0xffffff00, 4);
      db.run('INSERT INTO Packages (blob) VALUES (?), (?)', [lying, Buffer.from('short')]);
      const bytes = Buffer.from(db.export());
      db.close();
      const damaged = await readLayerEntries(await layer([{ name: 'usr/lib/sysimage/rpm/rpmdb.sqlite', body: bytes }]));
      assert.deepStrictEqual(damaged.packages?.problems, ['/usr/lib/sysimage/rpm/rpmdb.sqlite: 2 package headers damaged, skipped.']);
      assert.deepStrictEqual(damaged.packages?.dbs.map((d) => d.packages.length), [0]);
      // A write-ahead log left full beside it: what it holds is not in the file read, and the layer says so.
      const withWal = await readLayerEntries(await layer([{ name: 'var/lib/rpm/rpmdb.sqlite', body: bytes }, { name: 'var/lib/rpm/rpmdb.sqlite-wal', body: Buffer.alloc(32768, 1) }]));
      assert.deepStrictEqual(withWal.packages?.problems, [
        '/var/lib/rpm/rpmdb.sqlite: 2 package headers damaged, skipped.',
        '/var/lib/rpm/rpmdb.sqlite-wal holds 32.8kB of changes not yet in the database; they are not read.',
      ]);
    });
  });
});
