// The Images view on a real dockerd: an image built by the classic builder whose last steps are `RUN rm` (a real
// layer of 0 B) and `CMD` must show the layer under `RUN rm` and `CMD` dimmed, as the image config says.
// A screenshot in test-results/e2e-engine-zero-size-run.png. `node test/e2e/engine-layers.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { devUrl, installVsix, repoRoot, startCodeServer } from '../../scripts/lib/code-server.mjs';
import { launchBrowser } from '../../scripts/lib/browser.mjs';
import { startDockerd } from '../../scripts/lib/services.mjs';

const keep = process.argv.includes('--keep');
const WAIT = Number(process.env.IMAGE_LAYERS_E2E_WAIT_MS ?? 30_000);
const resultsDir = path.join(repoRoot, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-engine-'));
const require = createRequire(import.meta.url);
if (!fs.existsSync(path.join(repoRoot, 'out/test/integration/builds.js'))) {
  spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: repoRoot, stdio: 'inherit' });
}
const { build, buildContext } = require(path.join(repoRoot, 'out/test/integration/builds.js'));

let dockerd;
let server;
let browser;
let failed = 0;
console.log('e2e (engine): a zero-size RUN layer in the Images view, on dockerd');
try {
  dockerd = await startDockerd(work);
  const context = await buildContext();
  await build(dockerd.socketPath, context, { tag: 'layers/classic:base', dockerfile: 'Dockerfile.classic' });
  await build(dockerd.socketPath, context, { tag: 'layers/classic:child', dockerfile: 'Dockerfile.child', buildArgs: { BASE: 'layers/classic:base' } });
  const workspace = path.join(work, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'imageLayers.backend': 'docker', 'imageLayers.dockerHost': `unix://${dockerd.socketPath}` }, null, 2),
  );
  installVsix(path.join(work, 'image-layers.vsix'), path.join(work, 'extensions'));
  server = await startCodeServer({ workspace, userDataDir: path.join(work, 'user-data'), extensionsDir: path.join(work, 'extensions'), smokeTestDriver: true });
  browser = await launchBrowser();
  const page = browser.page;
  await page.goto(devUrl({ url: server.url, workspace }));
  const icon = page.locator('.part.activitybar a.action-label[aria-label^="Image Layers"]');
  await icon.waitFor({ timeout: 60_000 });
  await icon.click();
  const pane = page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header', { hasText: /^Images/ }) });
  const row = (level, label) =>
    pane.locator(`.monaco-list-row[aria-level="${level}"]`).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  const open = async (r) => {
    await r.first().waitFor({ timeout: WAIT });
    if ((await r.first().getAttribute('aria-expanded')) !== 'true') await r.first().click();
    await r.first().and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: WAIT });
  };
  await open(row(1, 'layers/classic'));
  // The group counts as docker images does: two tags of two images are "2 images".
  const group = await row(1, 'layers/classic').locator('.label-description').innerText();
  if (group !== '2 images') throw new Error(`the group says "${group}"`);
  await open(row(2, 'child'));
  const rm = row(3, 'RUN rm /tmp/hello.txt');
  await rm.waitFor({ timeout: WAIT });
  const rmText = await rm.first().innerText();
  if (!/0B/.test(rmText)) throw new Error(`the RUN rm row says "${rmText}", not 0B`);
  // CMD made no layer: its text is the dimmed description of an unlabelled row, not a layer's label.
  const cmd = pane.locator('.monaco-list-row[aria-level="3"]', { hasText: /^CMD \["sh",? "-c",? "ls \/"\]/ });
  await cmd.first().waitFor({ timeout: WAIT });
  if ((await cmd.first().locator('.label-name').innerText()).trim() !== '') throw new Error('the CMD step is shown as a layer');
  // A wider side bar, so that the rows' sizes and diff IDs are not cut off in the picture.
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (bar) {
    await page.mouse.move(bar.x + bar.width + 2, bar.y + bar.height / 2);
    await page.mouse.down();
    await page.mouse.move(bar.x + 700, bar.y + bar.height / 2, { steps: 5 });
    await page.mouse.up();
  }
  await page.mouse.move(1300, 880);
  await page.screenshot({ path: path.join(resultsDir, 'e2e-engine-zero-size-run.png') });
  console.log('  ✔ RUN rm shows its 0B layer, CMD is dimmed (test-results/e2e-engine-zero-size-run.png)');
  // An engine runs containers: its tag's menu offers Run Image…, which the store's does not (skeleton.e2e.mjs).
  const menu = page.locator('.context-view .monaco-menu');
  await row(2, 'child').first().click({ button: 'right' });
  await menu.locator('.action-label', { hasText: /^Run Image…$/ }).waitFor({ timeout: WAIT });
  await page.keyboard.press('Escape');
  console.log('  ✔ the engine\'s tag menu offers Run Image…');
} catch (e) {
  failed = 1;
  console.log(`  ✘ ${e?.stack ?? e}`);
  await browser?.page?.screenshot({ path: path.join(resultsDir, 'e2e-engine-FAILED.png') }).catch(() => {});
} finally {
  await browser?.close?.().catch(() => {});
  await server?.stop();
  await dockerd?.stop();
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
}
console.log(`${failed ? 0 : 1} passed, ${failed} failed`);
if (process.env.IMAGE_LAYERS_COUNTS) {
  fs.appendFileSync(process.env.IMAGE_LAYERS_COUNTS, JSON.stringify({ phase: 'e2e', passed: failed ? 0 : 1, failed, skipped: 0 }) + '\n');
}
process.exit(failed);
