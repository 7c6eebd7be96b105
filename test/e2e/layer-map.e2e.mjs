// The panels in a real VS Code (code-server) and a real browser, on the sample store: the Layer Map of
// sample/app:1.0 and sample/base:1.0 selected together in the Images view draws the three layers they share once,
// across both columns (one element, by bounding boxes); hovering a layer shows its facts; a click opens its files.
// Then Inspect's JSON tree, Compare (its picker without the image itself), Wasted Space and Layer Files, each
// with a screenshot (test-results/e2e-panels-*.png; IMAGE_LAYERS_E2E_THEME for another theme).
// `node test/e2e/layer-map.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSampleWorkspace, seedSampleStore } from '../../scripts/lib/samples.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('panels');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-panels-'));
let wbHandle;
/** Image ID by tag, as the seeding loaded them. */
let ids = {};

console.log('e2e (panels): the Layer Map and the panels in code-server + headless Chromium');
try {
  buildOnce();
  const storePath = path.join(work, 'store');
  ({ ids } = await seedSampleStore(storePath));
  const workspace = makeSampleWorkspace(path.join(work, 'workspace'), { storePath });
  wbHandle = await startWorkbench(run, { work, workspace, settings: { 'imageLayers.storePath': storePath } });
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;
const row = (level, label) => wb.row('Images', level, label);
/** The row of `ref`'s tag under its repository (expanded first), told from the other `1.0` rows by its short ID. */
async function tagRow(ref) {
  await wb.expand(row(1, ref.split(':')[0]));
  const short = ids[ref].replace(/^sha256:/, '').slice(0, 12);
  return row(2, ref.split(':')[1]).filter({ has: page.locator('.label-description', { hasText: short }) });
}
const view = () => wb.visibleWebview();
const box = async (locator) => {
  const b = await locator.boundingBox({ timeout: WAIT });
  if (!b) throw new Error(`${locator} has no box`);
  return b;
};

await run.step('the Layer Map of two images selected together draws their shared layers once, across both', 'layer-map', async () => {
  await wb.showExtension();
  await wb.openPane('Images');
  const [app, base] = [await tagRow('sample/app:1.0'), await tagRow('sample/base:1.0')];
  await app.click();
  await base.click({ modifiers: ['Control'] });
  await wb.fromContextMenu(base, 'Show Layer Map');
  await wb.tab('Layer Map').waitFor({ timeout: WAIT });
  await view().locator('#map-summary', { hasText: /^2 images, 4 layers/ }).waitFor({ timeout: WAIT });
  const columns = view().locator('#map-columns .column');
  if ((await columns.count()) !== 2) throw new Error(`${await columns.count()} columns`);
  const [left, right] = [await box(columns.nth(0)), await box(columns.nth(1))];
  const names = (await columns.allInnerTexts()).map((t) => t.split('\n')[0]);
  if (names.join() !== 'sample/base:1.0,sample/app:1.0') throw new Error(`columns: ${names.join(', ')}`);
  for (const step of ['ADD rootfs.tar /', 'COPY libsample /usr/lib/', 'COPY sample.conf /etc/']) {
    const cells = view().locator('.cell', { hasText: step });
    if ((await cells.count()) !== 1) throw new Error(`"${step}" is drawn ${await cells.count()} times`);
    const c = await box(cells);
    // One element over both columns: from inside the left column's left edge to inside the right one's right edge.
    if (!(c.x <= left.x + 8 && c.x + c.width >= right.x + right.width - 8)) throw new Error(`"${step}" spans x ${c.x}–${c.x + c.width}, columns ${left.x}–${right.x + right.width}`);
  }
  const own = await box(view().locator('.cell', { hasText: 'COPY app /app' }));
  if (!(own.x >= right.x - 8 && own.x + own.width <= right.x + right.width + 8)) throw new Error('the app’s own layer is not over its column alone');
  const shared = await box(view().locator('.cell', { hasText: 'COPY sample.conf /etc/' }));
  if (Math.abs(own.y + own.height - shared.y) > 4) throw new Error(`the app’s layer does not sit on the shared top (${own.y + own.height} vs ${shared.y})`);
});

await run.step('hovering a layer shows its facts', 'layer-map-hover', async () => {
  await view().locator('.cell', { hasText: 'ADD rootfs.tar /' }).hover();
  const facts = view().locator('#map-facts');
  await facts.locator('.fact', { hasText: 'Used here by sample/base:1.0, sample/app:1.0' }).waitFor({ timeout: WAIT });
  const text = await facts.innerText();
  if (!/^Layer 1 · 1kB · diff [0-9a-f]{12}$/m.test(text)) throw new Error(`the facts read:\n${text}`);
}, { keepMouse: true });

await run.step('clicking a layer opens its files', 'layer-map-click', async () => {
  await view().locator('.cell', { hasText: 'COPY app /app' }).click();
  await page.locator('.part.editor .tab.active', { hasText: 'Layer Files sample/app:1.0' }).waitFor({ timeout: WAIT });
  await view().locator('#status', { hasText: /^Changes in layer 4\. COPY app \/app/ }).waitFor({ timeout: WAIT });
});

await run.step('Layer Files shows a link with its target and the legend of its marks', 'layer-files', async () => {
  await wb.runCommand('Image Layers: Show Layer Files');
  await wb.pickInQuickInput('sample/app:1.0', 'sample/app:1.0');
  await view().locator('#layer').selectOption({ index: 1 });
  await view().locator('#status', { hasText: /^Changes in layer 2\./ }).waitFor({ timeout: WAIT });
  await view().locator('.row[data-path="usr"]').click();
  await view().locator('.row[data-path="usr/lib"]').click();
  await view().locator('.label', { hasText: 'libsample.so → libsample.so.1' }).waitFor({ timeout: WAIT });
  const legend = (await view().locator('#legend').innerText()).trim();
  if (legend !== 'A added') throw new Error(`the legend reads "${legend}"`);
});

await run.step('Inspect shows its JSON as a tree a search narrows', 'inspect', async () => {
  await wb.fromContextMenu(await tagRow('sample/app:1.0'), 'Inspect Image');
  await page.locator('.part.editor .tab.active', { hasText: 'Inspect sample/app:1.0' }).waitFor({ timeout: WAIT });
  await view().locator('#json-search').fill('lang');
  await view().locator('#json-count', { hasText: '1 match' }).waitFor({ timeout: WAIT });
  await view().locator('.jleaf.jmatch', { hasText: 'LANG=C.UTF-8' }).scrollIntoViewIfNeeded();
  await view().locator('.jleaf.jmatch', { hasText: 'LANG=C.UTF-8' }).hover();
  await view().locator('.jleaf.jmatch button[data-copy="path"]').waitFor({ state: 'visible', timeout: WAIT });
}, { keepMouse: true });

await run.step('Open as JSON shows the inspect JSON in a read-only json editor', 'inspect-json', async () => {
  await view().locator('#open-json').click();
  await page.locator('.part.editor .tab.active', { hasText: 'app:1.0.json' }).waitFor({ timeout: WAIT });
  await page.locator('.part.statusbar', { hasText: 'JSON' }).waitFor({ timeout: WAIT });
  await page.locator('.part.editor .monaco-editor .view-lines').first().click();
  await page.keyboard.type('x');
  await page.locator('.monaco-editor-overlaymessage', { hasText: /read-?only/i }).waitFor({ timeout: WAIT });
});

await run.step('Compare offers every image but the one compared, and says what the two share', 'compare', async () => {
  const app = await tagRow('sample/app:1.0');
  await app.click(); // the app alone: with two images selected, Compare compares those two without asking
  await wb.fromContextMenu(app, 'Compare With Another Image…');
  const input = page.locator('.quick-input-widget input.input[placeholder*="Compare"]');
  await input.waitFor({ timeout: WAIT });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'sample/base:1.0' }).waitFor({ timeout: WAIT });
  const offered = await page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
  // sample/app:latest is another name of the same image: left out too.
  if (offered.some((o) => o.startsWith('sample/app:'))) throw new Error(`the pick offers the image itself: ${offered.join(', ')}`);
  await wb.pickInQuickInput('sample/base:1.0', 'sample/base:1.0', 'Compare');
  const verdict = view().locator('#verdict');
  await verdict.waitFor({ timeout: WAIT });
  const text = (await verdict.innerText()).trim();
  if (!/^Layers 1–3 are shared/.test(text)) throw new Error(`the verdict reads "${text}"`);
  await view().locator('#files-summary', { hasText: /alike$/ }).waitFor({ timeout: WAIT });
});

await run.step('Wasted Space says what its share is of', 'wasted-space', async () => {
  await wb.fromContextMenu(await tagRow('sample/app:1.0'), 'Show Wasted Space');
  const wasted = view().locator('#wasted');
  await wasted.waitFor({ timeout: WAIT });
  const text = (await wasted.innerText()).trim();
  if (!/in layers 2–4, above layer 1\)$/.test(text)) throw new Error(`wasted space reads "${text}"`);
});

await run.step('back on the Layer Map', 'layer-map-again', async () => {
  await wb.tab('Layer Map').click();
  await view().locator('#map-summary', { hasText: /^2 images/ }).waitFor({ timeout: WAIT });
});

process.exit(
  await run.finish(async () => {
    await wbHandle?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
