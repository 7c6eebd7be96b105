// `npm test`: installs what the tests need when it is missing, builds, lints, and runs every phase:
// install (the shared installs a new machine makes: code-server and Node 24 into the cache, two at once),
// unit (plain mocha), integration (a real dockerd, podman and registry), suite (mocha inside a real
// VS Code's extension host) and e2e (a real browser on a real VS Code). Ends with one closing line.
// `node scripts/test.mjs unit integration` runs only the phases named.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['install', 'unit', 'integration', 'suite', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => ALL.includes(a));
const phases = wanted.length ? wanted : ALL;
const work = mkdtempSync(join(tmpdir(), 'image-layers-test-'));
const counts = join(work, 'counts.jsonl');

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, IMAGE_LAYERS_COUNTS: counts, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (e) => {
      console.error(`${cmd}: ${e.message}`);
      resolve(1);
    });
  });
}

const mocha = (phase, glob, extra = [], env = {}) =>
  run(process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js'), '--reporter', './test/counting-reporter.js', ...extra, glob], {
    IMAGE_LAYERS_PHASE: phase,
    ...env,
  });

async function setup() {
  if (!existsSync(join(root, 'node_modules/.package-lock.json'))) {
    console.log('> npm ci');
    if ((await run('npm', ['ci', '--no-audit', '--no-fund'])) !== 0) throw new Error('npm ci failed');
  }
  console.log('> build');
  // A fresh out/: the compiled copy of a test file that was deleted or moved would otherwise still run.
  rmSync(join(root, 'out'), { recursive: true, force: true });
  if ((await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'])) !== 0) throw new Error('tsc failed');
  console.log('> lint');
  if ((await run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js')])) !== 0) {
    throw new Error('lint failed: ESLint found the problems listed above (eslint.config.mjs; `npx eslint` shows them again).');
  }
  if ((await run(process.execPath, ['esbuild.mjs'])) !== 0) throw new Error('esbuild failed');
}

const phaseRunners = {
  install: () => mocha('install', 'test/install/**/*.test.mjs', ['--timeout', '60000']),
  unit: () => mocha('unit', 'out/test/unit/**/*.test.js', ['--timeout', '20000']),
  async integration() {
    const { ensureDebianPackages } = await import('./lib/apt.mjs');
    const { startServices } = await import('./lib/services.mjs');
    await ensureDebianPackages([
      { bin: 'dockerd', pkg: 'docker.io' },
      { bin: 'podman', pkg: 'podman' },
      { bin: 'docker-registry', pkg: 'docker-registry' },
      { bin: 'busybox', pkg: 'busybox-static' },
      // Copies a registry's blobs into an OCI layout as they are (zstd stays zstd): test/integration/zstd.test.ts.
      { bin: 'skopeo', pkg: 'skopeo' },
      // Writes the rpmdb.sqlite that test/integration/packages.test.ts compares with `rpm -qa`, and the Berkeley DB beside it.
      { bin: 'rpmbuild', pkg: 'rpm' },
      { bin: 'db5.3_load', pkg: 'db5.3-util' },
    ]);
    const services = await startServices(join(work, 'services'));
    try {
      return await mocha('integration', 'out/test/integration/**/*.test.js', ['--timeout', '120000'], services.env);
    } finally {
      await services.stopAll();
    }
  },
  suite: () => run(process.execPath, ['scripts/run-suite.mjs'], { IMAGE_LAYERS_PHASE: 'suite' }),
  // The browser on the built-in store, then on a real dockerd, then packages and the panels (Layer Map) on the store.
  e2e: async () =>
    (await run(process.execPath, ['test/e2e/skeleton.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/engine-layers.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/packages.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/layer-map.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/files.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/glance.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/lens.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })) +
    (await run(process.execPath, ['test/e2e/trust.e2e.mjs'], { IMAGE_LAYERS_PHASE: 'e2e' })),
};

let crashed = [];
const started = Date.now();
try {
  await setup();
  for (const phase of phases) {
    const t0 = Date.now();
    console.log(`\n> ${phase}`);
    let code;
    try {
      code = await phaseRunners[phase]();
    } catch (e) {
      console.error(`${phase}: ${e?.stack ?? e}`);
      code = 1;
    }
    const recorded = readCounts().filter((c) => c.phase === phase);
    if (code !== 0 && !recorded.some((c) => c.failed > 0)) crashed.push(`${phase} (exit ${code})`);
    if (recorded.length === 0) crashed.push(`${phase} (ran no test)`);
    console.log(`< ${phase}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
} catch (e) {
  console.error(e?.message ?? e);
  crashed.push('setup');
}

function readCounts() {
  if (!existsSync(counts)) return [];
  return readFileSync(counts, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const total = readCounts().reduce(
  (t, c) => ({ passed: t.passed + c.passed, failed: t.failed + c.failed, skipped: t.skipped + c.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
rmSync(work, { recursive: true, force: true });
console.log(`\nphases: ${phases.join(', ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (crashed.length) console.log(`failed to run: ${crashed.join(', ')}`);
const failed = total.failed + crashed.length;
console.log(`${total.passed} passed, ${failed} failed, ${total.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
