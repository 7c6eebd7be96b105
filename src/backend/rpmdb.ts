// rpm's sqlite database read in memory with sql.js (SQLite compiled to WebAssembly): the extension host and the
// CLI run on Node 20, which has no node:sqlite, and a native module would need a build per platform. Loaded
// the first time an image has an rpm database, from its own files beside the bundles (esbuild.mjs), so that the
// extension's bundle does not carry it.
import { existsSync, promises as fs } from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import type { SqlJsStatic } from 'sql.js';
import { parseRpmHeader, type RpmDbRead, type RpmPackage } from '../core/packages/rpm-header';
import { MAX_PACKAGES } from '../core/packages/model';

type InitSqlJs = typeof import('sql.js').default;

let engine: Promise<SqlJsStatic> | undefined;

/** Beside the bundle (dist/), else in node_modules above the compiled file (out/, for the tests). */
function sqlJsFile(name: string): string {
  const beside = path.join(__dirname, name);
  if (existsSync(beside)) return beside;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', 'sql.js', 'dist', name);
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) return beside;
  }
}

function sqlite(): Promise<SqlJsStatic> {
  engine ??= (async () => {
    // A require by path: the bundle leaves it alone, and it loads as CommonJS wherever it runs.
    const init = createRequire(__filename)(sqlJsFile('sql-wasm.js')) as { default?: InitSqlJs } & InitSqlJs;
    const start = init.default ?? init;
    const wasm = await fs.readFile(sqlJsFile('sql-wasm.wasm'));
    return start({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer });
  })();
  engine.catch(() => (engine = undefined));
  return engine;
}

/** The packages of an rpmdb.sqlite file's bytes; `damaged` counts headers that could not be read. */
export async function readRpmDb(bytes: Uint8Array): Promise<RpmDbRead> {
  const SQL = await sqlite();
  const db = new SQL.Database(bytes);
  try {
    const rows = db.prepare('SELECT blob FROM Packages');
    const packages: RpmPackage[] = [];
    let damaged = 0;
    try {
      while (rows.step() && packages.length + damaged < MAX_PACKAGES) {
        const blob = rows.get()[0];
        try {
          if (!(blob instanceof Uint8Array)) throw new Error('not a blob');
          packages.push(parseRpmHeader(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)));
        } catch {
          damaged++;
        }
      }
    } finally {
      rows.free();
    }
    return { packages, damaged, problems: [] };
  } finally {
    db.close();
  }
}
