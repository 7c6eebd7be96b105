// The Images view on a real dockerd: an image built by the classic builder whose last steps are `RUN rm` (a real
// layer of 0 B) and `CMD` must show the layer under `RUN rm` and `CMD` dimmed, as the image config says.
// A screenshot in test-results/e2e-engine-zero-size-run.png. `node test/e2e/engine-layers.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from '../../scripts/lib/code-server.mjs';
import { startDockerd } from '../../scripts/lib/services.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('engine');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-engine-'));
buildOnce();
const { build, buildContext } = createRequire(import.meta.url)(path.join(repoRoot, 'out/test/integration/builds.js'));

let dockerd;
let wbHandle;
console.log('e2e (engine): a zero-size RUN layer in the Images view, on dockerd');
try {
  dockerd = await startDockerd(work);
  const context = await buildContext();
  await build(dockerd.socketPath, context, { tag: 'layers/classic:base', dockerfile: 'Dockerfile.classic' });
  await build(dockerd.socketPath, context, { tag: 'layers/classic:child', dockerfile: 'Dockerfile.child', buildArgs: { BASE: 'layers/classic:base' } });
  const workspace = path.join(work, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  wbHandle = await startWorkbench(run, {
    work,
    workspace,
    settings: { 'imageLayers.backend': 'docker', 'imageLayers.dockerHost': `unix://${dockerd.socketPath}` },
  });
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;
const row = (level, label) => wb.row('Images', level, label);

await run.step('RUN rm shows its 0B layer, CMD is dimmed', 'zero-size-run', async () => {
  await wb.showExtension();
  await wb.openPane('Images');
  const open = (r) => wb.expand(r);
  const pane = wb.pane('Images');
  await open(row(1, 'layers/classic'));
  // The group counts as docker images does: two tags of two images are "2 images".
  const group = await row(1, 'layers/classic').locator('.label-description').innerText();
  if (group !== '2 images') throw new Error(`the group says "${group}"`);
  await open(row(2, 'child'));
  // A layer row leads with its size and share of the image; its step follows.
  const rm = pane.locator('.monaco-list-row[aria-level="3"]', { hasText: 'RUN rm /tmp/hello.txt' });
  await rm.first().waitFor({ timeout: WAIT });
  const rmLabel = (await rm.first().locator('.label-name').innerText()).trim();
  if (rmLabel !== '0B · 0%') throw new Error(`the RUN rm row is labelled "${rmLabel}", not 0B · 0%`);
  // CMD made no layer: its text is the dimmed description of an unlabelled row, not a layer's label.
  const cmd = pane.locator('.monaco-list-row[aria-level="3"]', { hasText: /^CMD \["sh",? "-c",? "ls \/"\]/ });
  await cmd.first().waitFor({ timeout: WAIT });
  if ((await cmd.first().locator('.label-name').innerText()).trim() !== '') throw new Error('the CMD step is shown as a layer');
  // A wider side bar, so that the rows' sizes and diff IDs are not cut off in the picture.
  await wb.widenSidebar(700);
});

// An engine runs containers: its tag's menu offers Run Image…, which the store's does not (skeleton.e2e.mjs).
await run.step('the engine\'s tag menu offers Run Image…', 'run-image-menu', async () => {
  const menu = page.locator('.context-view .monaco-menu');
  await row(2, 'child').first().click({ button: 'right' });
  await menu.locator('.action-label', { hasText: /^Run Image…$/ }).waitFor({ timeout: WAIT });
  await page.keyboard.press('Escape');
});

// vfs keeps every layer as a full copy of the filesystem: the Storage view says why its layer data outgrows Size.
await run.step('the Storage view on vfs explains its layer data', 'storage-vfs', async () => {
  await wb.closePane('Images');
  await wb.openPane('Storage');
  const onDisk = wb.row('Storage', 1, 'On disk');
  await onDisk.waitFor({ timeout: WAIT });
  const data = wb.row('Storage', 2, 'layer data');
  await data.waitFor({ timeout: WAIT });
  const text = await data.locator('.label-description').innerText();
  if (!/vfs copies every layer's filesystem/.test(text)) throw new Error(`the layer data row says "${text}"`);
});

process.exit(
  await run.finish(async () => {
    await wbHandle?.stop();
    await dockerd?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
