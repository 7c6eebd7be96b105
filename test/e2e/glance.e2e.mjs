// At a glance, at the side bar's default width: a real VS Code (code-server) in headless Chromium, first pointed
// at an engine socket nobody listens on (the Images view offers Retry, the built-in store and another engine),
// then on a built-in store holding the sample images and one that wastes bytes. Checks that a layer row's size,
// share and "shared by N" are not cut off, that a wasted layer says so, that a filter matching nothing offers to
// clear itself and the tree comes back as it was, and that the FROM hover on line 1 shows its links and they work.
// Screenshots in test-results/e2e-glance-*.png. `node test/e2e/glance.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from '../../scripts/lib/code-server.mjs';
import { seedSampleStore } from '../../scripts/lib/samples.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('glance');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-glance-'));
const storePath = path.join(work, 'store');
const deadSocket = path.join(work, 'nobody-here.sock');
const WASTEFUL = 'glance/wasteful';
const BIG = 3_000_000;

/** An image whose second layer writes 3 MB that its third removes: 3 MB wasted in layer 2. */
async function loadWastefulImage() {
  const require = createRequire(import.meta.url);
  const { writeDockerSaveArchive } = require(path.join(repoRoot, 'out/test/fixtures/archives.js'));
  const { BuiltinStore } = require(path.join(repoRoot, 'out/src/backend/store/index.js'));
  const archive = path.join(work, 'wasteful.tar');
  await writeDockerSaveArchive(archive, [
    {
      tags: [`${WASTEFUL}:1`],
      layers: [
        { files: [{ path: 'etc/os-release', content: 'NAME=glance\n' }] },
        { files: [{ path: 'tmp/big.bin', content: Buffer.alloc(BIG, 0x61) }] },
        { files: [{ path: 'tmp/.wh.big.bin', content: '' }] },
      ],
      history: [{ created_by: 'ADD rootfs.tar /' }, { created_by: 'ADD big.bin /tmp/' }, { created_by: 'RUN rm /tmp/big.bin' }],
    },
  ]);
  const store = new BuiltinStore(storePath);
  try {
    await store.loadArchive(archive);
  } finally {
    store.dispose?.();
  }
}

let handle;
console.log('e2e (glance): rows, hover and engine setup at the default side bar width');
try {
  buildOnce();
  await seedSampleStore(storePath);
  await loadWastefulImage();
  const workspace = path.join(work, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  // FROM on line 1: the hover opens below the line, where a long one was cut off with its links.
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM sample/app:1.0\nRUN echo hello\n');
  fs.writeFileSync(path.join(workspace, 'wasteful.Dockerfile'), `FROM ${WASTEFUL}:1\n`);
  handle = await startWorkbench(run, {
    work,
    workspace,
    settings: { 'imageLayers.backend': 'docker', 'imageLayers.dockerHost': `unix://${deadSocket}`, 'imageLayers.storePath': storePath },
  });
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;
const images = () => wb.pane('Images');
const row = (level, label) => wb.row('Images', level, label);

/**
 * Whether `text` in the row (its label or description) is drawn whole: its characters end inside the row's label
 * box (which clips with an ellipsis) and left of the row's action buttons. Measured on the characters themselves.
 */
async function cutOff(rowLocator, text) {
  return rowLocator.first().evaluate((el, wanted) => {
    const clip = el.querySelector('.monaco-icon-label-container') ?? el;
    const box = clip.getBoundingClientRect();
    const actions = [...el.querySelectorAll('.actions .action-label')].map((a) => a.getBoundingClientRect()).filter((r) => r.width > 0);
    const walker = document.createTreeWalker(clip, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const at = node.textContent.indexOf(wanted);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + wanted.length);
      const r = range.getBoundingClientRect();
      if (r.right > box.right + 0.5) return `"${wanted}" ends at ${Math.round(r.right)} px, past the label's edge at ${Math.round(box.right)} px`;
      const under = actions.find((a) => a.left < r.right && a.right > r.left);
      if (under) return `"${wanted}" runs under a row button at ${Math.round(under.left)} px`;
      // An ellipsis can hide the text's end inside the box, too: the label text must fit its box.
      if (clip.scrollWidth > clip.clientWidth + 1 && r.right > box.right - 12) return `"${wanted}" ends under the ellipsis`;
      return '';
    }
    return `"${wanted}" is not in the row: "${el.innerText}"`;
  }, text);
}

await run.step('an engine nobody listens on: the Images view says so and offers Retry, the store and another engine', 'unreachable', async () => {
  await wb.showExtension();
  await wb.openPane('Images');
  await images().locator('.pane-body', { hasText: /No Docker engine answers/ }).waitFor({ timeout: WAIT });
  for (const action of ['Retry', 'Use Built-in Store', 'Choose Engine…']) await row(1, action).waitFor({ timeout: WAIT });
  // Choose Engine… asks which engine, and checks a typed address before it is written.
  await row(1, 'Choose Engine…').click();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter an address…' }).waitFor({ timeout: WAIT });
  await wb.pickInQuickInput('Enter an address', 'Enter an address…');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill('tcp://engine.example');
  await page.locator('.quick-input-widget', { hasText: 'A tcp address needs a port' }).waitFor({ timeout: WAIT });
});

await run.step('Use Built-in Store shows the store\'s images', 'use-store', async () => {
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: WAIT });
  await row(1, 'Use Built-in Store').click();
  await row(1, 'sample/app').waitFor({ timeout: WAIT });
  await row(1, WASTEFUL).waitFor({ timeout: WAIT });
  await page.locator('.part.statusbar', { hasText: 'Built-in store' }).waitFor({ timeout: WAIT });
});

await run.step('a layer row shows its size, share and "shared by" whole at the default width', 'layer-rows', async () => {
  await wb.expand(row(1, 'sample/app'));
  await wb.expand(row(2, '1.0'));
  const layers = images().locator('.monaco-list-row[aria-level="3"]');
  const shared = layers.filter({ hasText: 'shared by 2' });
  await shared.first().waitFor({ timeout: WAIT });
  if ((await shared.count()) !== 3) throw new Error(`${await shared.count()} rows say "shared by 2"; sample/app shares 3 layers with sample/base`);
  const app = layers.filter({ hasText: 'COPY app /app' }).first();
  const label = (await app.locator('.label-name').innerText()).trim();
  // The app layer is 12.7 kB of the image's 17.8 kB (the store's sizes): its label says both.
  if (!/^12\.7kB · 71%$/.test(label)) throw new Error(`the COPY app layer is labelled "${label}"`);
  for (const r of await shared.all()) {
    const name = (await r.locator('.label-name').innerText()).trim();
    for (const part of [name, 'shared by 2']) {
      const cut = await cutOff(r, part);
      if (cut) throw new Error(cut);
    }
  }
  // The same with the mouse on a row, which shows its buttons.
  await shared.first().hover();
  const cut = await cutOff(shared.first(), 'shared by 2');
  if (cut) throw new Error(`with the mouse on the row: ${cut}`);
});

await run.step('the layer that wrote what a later one removed says how much it wasted', 'wasted', async () => {
  await wb.expand(row(1, WASTEFUL));
  await wb.expand(row(2, '1'));
  const wasted = images().locator('.monaco-list-row[aria-level="3"]', { hasText: '3MB wasted' });
  await wasted.first().waitFor({ timeout: WAIT });
  const text = await wasted.first().innerText();
  if (!/ADD big\.bin/.test(text)) throw new Error(`the wasted mark is on "${text}", not on the layer that wrote big.bin`);
  const cut = await cutOff(wasted.first(), '3MB wasted');
  if (cut) throw new Error(cut);
  // Its tooltip names the path and the step that removed it.
  await wasted.first().hover();
  const tip = page.locator('.workbench-hover:visible, .monaco-hover:visible', { hasText: 'wasted' }).first();
  await tip.waitFor({ timeout: WAIT });
  const tipText = await tip.innerText();
  if (!/\/tmp\/big\.bin removed by layer 3 \(RUN rm \/tmp\/big\.bin\)/.test(tipText)) throw new Error(`the tooltip says: ${tipText}`);
}, { keepMouse: true });

await run.step('a filter that matches nothing offers Clear Filter, and the tree comes back open', 'no-match', async () => {
  await page.mouse.move(1200, 880);
  await wb.runCommand('Image Layers: Filter Images…');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: WAIT });
  await input.fill('no-such-image');
  await input.press('Enter');
  await row(1, 'No image matches "no-such-image"').waitFor({ timeout: WAIT });
  await row(1, 'Clear Filter').click();
  // sample/app and its 1.0 were open before the filter: they are open again, with their layers.
  await row(1, 'sample/app').and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: WAIT });
  await row(2, '1.0').first().and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: WAIT });
  await images().locator('.monaco-list-row[aria-level="3"]', { hasText: 'COPY app /app' }).first().waitFor({ timeout: WAIT });
});

await run.step('the Layers view shows each layer\'s size and "shared by" whole', 'layers-view', async () => {
  await wb.closePane('Images');
  await wb.openPane('Layers');
  const shared = wb.pane('Layers').locator('.monaco-list-row[aria-level="1"]', { hasText: 'shared by 2' });
  await shared.first().waitFor({ timeout: WAIT });
  await shared.first().hover();
  const cut = await cutOff(shared.first(), 'shared by 2');
  if (cut) throw new Error(cut);
  const button = shared.first().locator('.actions .action-label').first();
  if (!(await button.isVisible())) throw new Error('the row shows no Layer Files button under the mouse');
  const [b, r] = [await button.boundingBox(), await shared.first().boundingBox()];
  if (!b || !r || b.x + b.width > r.x + r.width + 0.5) throw new Error('the row\'s button is cut off');
});

await run.step('the Storage view lists its on-disk parts as children', 'storage', async () => {
  await wb.closePane('Layers');
  await wb.openPane('Storage');
  const onDisk = wb.row('Storage', 1, 'On disk');
  await onDisk.waitFor({ timeout: WAIT });
  if ((await onDisk.getAttribute('aria-expanded')) !== 'true') throw new Error('On disk is not open');
  for (const part of ['imagedb', 'layerdb', 'layers']) await wb.row('Storage', 2, part).waitFor({ timeout: WAIT });
});

await run.step('the FROM hover on line 1 shows its links, and Inspect opens', 'hover', async () => {
  await wb.closePane('Storage');
  await wb.openPane('Images');
  await page.keyboard.press('Control+P');
  await wb.pickInQuickInput('Dockerfile', /^Dockerfile/);
  await page.locator('.part.editor .tab.active', { hasText: /^Dockerfile/ }).waitFor({ timeout: WAIT });
  const hover = await wb.hoverOn('FROM sample/app:1.0', 'sample/app:1.0', 'Inspect');
  // Each link lies inside the hover's visible box (not scrolled away, not under its edge) and inside the window.
  const hidden = await hover.evaluate((el) => {
    const view = el.getBoundingClientRect();
    const out = [];
    for (const name of ['Inspect', 'History', 'Reveal in Images']) {
      const link = [...el.querySelectorAll('a')].find((a) => a.textContent.trim().endsWith(name));
      if (!link) {
        out.push(`no ${name} link`);
        continue;
      }
      const r = link.getBoundingClientRect();
      if (r.top < view.top || r.bottom > view.bottom || r.bottom > window.innerHeight || r.width === 0) out.push(`${name} at ${Math.round(r.top)}-${Math.round(r.bottom)} px, the hover shows ${Math.round(view.top)}-${Math.round(view.bottom)} px`);
    }
    return out.join('; ');
  });
  if (hidden) throw new Error(`the hover hides its links: ${hidden}`);
  const text = await hover.innerText();
  if (!/17\.8kB · 4 layers/.test(text)) throw new Error(`the hover does not lead with size and layers: ${text}`);
  if (!/3 layers \([\d.]+kB\) shared with other images/.test(text)) throw new Error(`the hover does not say what is shared: ${text}`);
}, { keepMouse: true });

await run.step('the hover\'s Inspect link opens Inspect', 'hover-inspect', async () => {
  const hover = page.locator('.monaco-hover:visible', { hasText: 'Inspect' }).first();
  await hover.locator('a', { hasText: 'Inspect' }).click();
  await page.locator('.part.editor .tab', { hasText: 'Inspect sample/app:1.0' }).waitFor({ timeout: WAIT });
});

await run.step('the wasteful image\'s hover says how much it wastes', 'hover-wasted', async () => {
  await page.keyboard.press('Control+P');
  await wb.pickInQuickInput('wasteful.Dockerfile', /^wasteful\.Dockerfile/);
  const hover = await wb.hoverOn(`FROM ${WASTEFUL}:1`, `${WASTEFUL}:1`, 'wasted');
  const text = await hover.innerText();
  if (!/3MB wasted \(hidden by later layers\), most in layer 2/.test(text)) throw new Error(`the hover says: ${text}`);
}, { keepMouse: true });

process.exit(
  await run.finish(async () => {
    await handle?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
