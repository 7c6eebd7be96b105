// The extension's split build (scripts/lib/split-bundle.mjs): a lazy bundle uses the core's modules, not copies
// of them (one class for `instanceof`, one module state), and a package the core only imports with import() is
// a file of its own that loads when that import runs.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '../../..');

describe('split bundle', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-split-'));
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(dir, 'node_modules/late-package'), { recursive: true });
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(dir, 'node_modules/late-package/index.js'), "globalThis.latePackageLoaded = true; module.exports = { answer: 42 };\n");
    fs.writeFileSync(path.join(src, 'errors.ts'), "export class StoreError extends Error {}\nexport const state = { calls: 0 };\n");
    fs.writeFileSync(
      path.join(src, 'core.ts'),
      "import { StoreError, state } from './errors';\nexport function fail(): never { state.calls++; throw new StoreError('gone'); }\n" +
        "export async function late(): Promise<number> { return (await import('late-package')).answer; }\n",
    );
    fs.writeFileSync(
      path.join(src, 'feature.ts'),
      "import { StoreError, state } from './errors';\nimport { fail } from './core';\n" +
        'export function caught(): boolean { try { fail(); } catch (e) { return e instanceof StoreError && state.calls === 1; } return false; }\n',
    );
    const script = `
      import * as esbuild from ${JSON.stringify(path.join(root, 'node_modules/esbuild/lib/main.js'))};
      import { buildSplit } from ${JSON.stringify(path.join(root, 'scripts/lib/split-bundle.mjs'))};
      await buildSplit(esbuild, { root: ${JSON.stringify(dir)}, options: { bundle: true, platform: 'node', format: 'cjs', absWorkingDir: ${JSON.stringify(dir)}, logLevel: 'error' },
        core: 'src/core.ts', coreFile: 'core.js', lazy: [{ entry: 'src/feature.ts', file: 'feature.js' }], outdir: ${JSON.stringify(path.join(dir, 'dist'))} });`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, stdio: 'pipe' });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the lazy bundle the core modules themselves: an error the core throws is its class there', async () => {
    const feature = (await import(path.join(dir, 'dist/feature.js'))) as { caught(): boolean };
    assert.strictEqual(feature.caught(), true);
    assert.ok(!fs.readFileSync(path.join(dir, 'dist/feature.js'), 'utf8').includes('class StoreError'), 'the lazy bundle has its own copy');
  });

  it('keeps a package the core imports with import() in vendor/, loaded on that import', async () => {
    assert.ok(!fs.readFileSync(path.join(dir, 'dist/core.js'), 'utf8').includes('latePackageLoaded'));
    const core = (await import(path.join(dir, 'dist/core.js'))) as { late(): Promise<number> };
    const g = globalThis as { latePackageLoaded?: boolean };
    assert.strictEqual(g.latePackageLoaded, undefined);
    assert.strictEqual(await core.late(), 42);
    assert.strictEqual(g.latePackageLoaded, true);
  });
});
