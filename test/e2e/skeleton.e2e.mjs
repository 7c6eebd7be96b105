// The browser test: a real VS Code (code-server) running the extension on a seeded built-in store, driven by
// headless Chromium the way a user would: click the activity-bar icon, expand the tree, use a context menu and
// the command palette, read the webviews, hover in a Dockerfile. A screenshot per step in test-results/e2e-store-<step>.png; a failing
// step saves test-results/e2e-FAILED-store-<step>.png and prints what the page showed.
// Exit code = failed steps. `node test/e2e/skeleton.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../scripts/lib/code-server.mjs';
import { makeSampleWorkspace, seedSampleStore } from '../../scripts/lib/samples.mjs';
import { ensureDebianPackages, ENGINE_PACKAGES } from '../../scripts/lib/apt.mjs';
import { startRegistry } from '../../scripts/lib/services.mjs';
import { createRequire } from 'node:module';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const IMAGE = 'sample/app:1.0';
const REPO = 'sample/app';
const TAG = '1.0';
const run = e2eRun('store');
const { step, secs } = run;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-'));
let registry;
const PUSHED = 'e2e/sample-app';

/** A real registry holding sample/app:1.0 as REGISTRY/e2e/sample-app:1.0, pushed from a store of its own. */
async function startSeededRegistry() {
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => p.bin === 'docker-registry'));
  registry = await startRegistry(work);
  const pusher = path.join(work, 'pusher-store');
  await seedSampleStore(pusher);
  const { BuiltinStore } = createRequire(import.meta.url)(path.join(repoRoot, 'out/src/backend/store/index.js'));
  const store = new BuiltinStore(pusher);
  await store.tagImage(IMAGE, `${registry.addr}/${PUSHED}`, TAG);
  await store.pushImage(`${registry.addr}/${PUSHED}:${TAG}`);
  store.dispose();
}
/** A `docker save` archive of an image the store lacks, and the same archive cut off half-way. */
const archives = { good: path.join(work, 'archives', 'loadme.tar'), broken: path.join(work, 'archives', 'broken.tar') };
const LOADED = 'e2e/loaded';
async function writeArchivesToLoad() {
  fs.mkdirSync(path.dirname(archives.good), { recursive: true });
  const { writeDockerSaveArchive } = createRequire(import.meta.url)(path.join(repoRoot, 'out/test/fixtures/archives.js'));
  const layers = [{ files: [{ path: 'etc/loaded.txt', content: 'loaded from an archive\n' }] }];
  await writeDockerSaveArchive(archives.good, [{ tags: [`${LOADED}:1`], layers }]);
  const bytes = fs.readFileSync(archives.good);
  fs.writeFileSync(archives.broken, bytes.subarray(0, Math.floor(bytes.length / 2) + 100)); // inside an entry
}
let wbHandle;
let ids = {};
let workspace;

console.log('e2e: Image Layers in code-server + headless Chromium');
const storePath = path.join(work, 'store');
try {
  buildOnce();
  ({ ids } = await seedSampleStore(storePath));
  await writeArchivesToLoad();
  await startSeededRegistry();
  workspace = makeSampleWorkspace(path.join(work, 'workspace'), { storePath });
  // The store path in the user settings too: one only a workspace sets waits for the user's consent.
  wbHandle = await startWorkbench(run, { work, workspace, settings: { 'imageLayers.storePath': storePath } });
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;

const appId = ids[IMAGE] ?? '';
const shortId = appId.replace(/^sha256:/, '').slice(0, 12);
const imagesPane = () => wb.pane('Images');
const row = (level, label) => wb.row('Images', level, label);
const visibleWebview = () => wb.visibleWebview();
const expand = (r) => wb.expand(r);
const pickInQuickInput = (filter, text, placeholder) => wb.pickInQuickInput(filter, text, placeholder);
const fromContextMenu = (target, label) => wb.fromContextMenu(target, label);
const runCommand = (title) => wb.runCommand(title);
const pane = (title) => wb.pane(title);
const openPane = (title) => wb.openPane(title);
const closePane = (title) => wb.closePane(title);
const tab = (text) => wb.tab(text);

await step('workbench starts and shows the Image Layers icon', 'workbench', async () => {
  const icon = page.locator('.part.activitybar a.action-label[aria-label^="Image Layers"]');
  await icon.waitFor({ timeout: 60_000 });
  console.log(`    workbench with the extension's icon ${secs()} s after start`);
});

await step('a first start opens on the Images view, without a click', 'images-view', async () => {
  await imagesPane().waitFor({ timeout: WAIT });
  await imagesPane().locator('.pane-header[aria-expanded="true"]').waitFor({ timeout: WAIT });
});

await step(`${REPO} → ${TAG} → layers`, 'tree', async () => {
  await expand(row(1, REPO));
  const tag = row(2, TAG);
  await expand(tag);
  const description = await tag.locator('.label-description').innerText();
  if (!description.includes(shortId)) throw new Error(`tag ${TAG} says "${description}", not the short ID ${shortId}`);
  const layers = imagesPane().locator('.monaco-list-row[aria-level="3"]');
  await layers.first().waitFor({ timeout: WAIT });
  const n = await layers.count();
  if (n < 4) throw new Error(`expected the 4 layers of ${IMAGE} under ${TAG}, saw ${n} rows`);
  await layers.filter({ hasText: 'COPY app /app' }).first().waitFor({ timeout: WAIT });
});

await step('Inspect Image from the tag\'s context menu', 'inspect', async () => {
  await fromContextMenu(row(2, TAG), 'Inspect Image');
  await page.locator('.part.editor .tab.active', { hasText: `Inspect ${IMAGE}` }).waitFor({ timeout: WAIT });
  const id = visibleWebview().locator('code.image-id');
  await id.waitFor({ timeout: WAIT });
  const text = (await id.innerText()).trim();
  if (text !== appId) throw new Error(`the Inspect panel shows ID ${text}, expected ${appId}`);
});

await step('Show Image History from the command palette', 'history', async () => {
  await runCommand('Image Layers: Show Image History');
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: IMAGE }).first().waitFor({ timeout: WAIT });
  await pickInQuickInput(IMAGE, IMAGE);
  await page.locator('.part.editor .tab.active', { hasText: `History ${IMAGE}` }).waitFor({ timeout: WAIT });
  const rows = visibleWebview().locator('table.history tbody tr');
  await rows.first().waitFor({ timeout: WAIT });
  const texts = await rows.allInnerTexts();
  if (texts.length < 4) throw new Error(`the History panel shows ${texts.length} rows`);
  if (!texts.some((t) => t.includes('COPY app /app'))) throw new Error(`no "COPY app /app" step among:\n${texts.join('\n')}`);
});

await step('hover over the image on the FROM line of the Dockerfile', 'hover', async () => {
  await page.keyboard.press('Control+P');
  await pickInQuickInput('Dockerfile', /^Dockerfile/);
  await page.locator('.part.editor .tab.active', { hasText: /^Dockerfile/ }).waitFor({ timeout: WAIT });
  const hover = await wb.hoverOn(`FROM ${IMAGE}`, IMAGE);
  await page.waitForFunction(
    (id) => [...document.querySelectorAll('.monaco-hover')].some((h) => h.textContent.includes(id)),
    shortId,
    { timeout: WAIT },
  ).catch(async () => {
    throw new Error(`the hover does not show the short ID ${shortId}: "${(await hover.innerText()).trim()}"`);
  });
  const language = await page.locator('.part.statusbar', { hasText: 'Docker' }).count();
  if (!language) console.log('    (the status bar does not name the Docker language mode)');
}, { keepMouse: true });

await step('the Layers view lists shared layers with the images that use them', 'layers-view', async () => {
  await closePane('Images');
  await openPane('Layers');
  const shared = pane('Layers').locator('.monaco-list-row[aria-level="1"]', { hasText: 'shared by 2' });
  await shared.first().waitFor({ timeout: WAIT });
  const n = await shared.count();
  if (n !== 3) throw new Error(`expected the 3 layers both samples share, saw ${n} rows saying "shared by 2"`);
  await expand(shared.first());
  await pane('Layers').locator('.monaco-list-row[aria-level="2"]', { hasText: 'sample/base:1.0' }).waitFor({ timeout: WAIT });
});

await step('the Storage view shows the backend and where the bytes go', 'storage-view', async () => {
  await closePane('Layers');
  await openPane('Storage');
  const rowOf = (label) => pane('Storage').locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  await rowOf('Backend').waitFor({ timeout: WAIT });
  const backend = await rowOf('Backend').locator('.label-description').innerText();
  if (!backend.startsWith('builtin')) throw new Error(`the Storage view names the backend "${backend}"`);
  const shared = await rowOf('Shared').locator('.label-description').innerText();
  if (!/[1-9]/.test(shared)) throw new Error(`the Storage view says Shared is "${shared}"`);
});

await step('Show Layer Files on the top layer of sample/app:1.0 shows its added and removed files', 'layer-files', async () => {
  await closePane('Storage');
  await openPane('Images');
  const layer = imagesPane().locator('.monaco-list-row[aria-level="3"]', { hasText: 'COPY app /app' }).first();
  await layer.waitFor({ timeout: WAIT });
  await fromContextMenu(layer, 'Show Layer Files');
  await page.locator('.part.editor .tab.active', { hasText: `Layer Files ${IMAGE}` }).waitFor({ timeout: WAIT });
  const tree = visibleWebview().locator('#tree');
  await tree.locator('text=app').first().waitFor({ timeout: WAIT });
  const text = await tree.innerText();
  if (!/etc/.test(text)) throw new Error(`the layer's file tree does not show etc/ (removed sample.conf):\n${text}`);
});

await step('Show Wasted Space for sample/app:1.0 gives dive\'s score', 'wasted-space', async () => {
  await runCommand('Image Layers: Show Wasted Space');
  await pickInQuickInput(IMAGE, IMAGE);
  await page.locator('.part.editor .tab.active', { hasText: `Wasted Space ${IMAGE}` }).waitFor({ timeout: WAIT });
  const score = visibleWebview().locator('#score');
  await score.waitFor({ timeout: WAIT });
  const value = (await score.innerText()).trim();
  if (!/^99\.9/.test(value)) throw new Error(`the efficiency score reads "${value}", expected 99.9 %`);
  await visibleWebview().locator('code', { hasText: '/etc/sample.conf' }).first().waitFor({ timeout: WAIT });
});

await step('Compare With Another Image: sample/app:1.0 shares layers 1–3 with sample/base:1.0', 'compare', async () => {
  await openPane('Images');
  await expand(row(1, REPO));
  await fromContextMenu(row(2, TAG), 'Compare With Another Image…');
  await pickInQuickInput('sample/base:1.0', 'sample/base:1.0', 'Compare');
  await page.locator('.part.editor .tab.active', { hasText: `Compare ${IMAGE}` }).waitFor({ timeout: WAIT });
  const verdict = (await visibleWebview().locator('#verdict').innerText({ timeout: WAIT })).trim();
  if (!/^Layers 1–3 are shared \(.+, stored once for both\)\. sample\/base:1\.0 has no other layer; sample\/app:1\.0 adds 1 layer on top \(12\.7kB\)\.$/.test(verdict)) {
    throw new Error(`the comparison says "${verdict}"`);
  }
  const onlyA = (await visibleWebview().locator('#only-a').innerText()).trim();
  if (!/^1 layer, 12\.7kB$/.test(onlyA)) throw new Error(`only in ${IMAGE}: "${onlyA}"`);
  // Then the files: the app's own files are only in the app, and etc/sample.conf (removed by its whiteout) only in the base.
  const files = (await visibleWebview().locator('#files-summary', { hasText: /alike$/ }).innerText({ timeout: WAIT })).trim();
  if (!/^\d+ only in sample\/app:1\.0 .* 1 only in sample\/base:1\.0 \(17B\)/.test(files)) throw new Error(`the files summary reads "${files}"`);
  await visibleWebview().locator('#only-a-files code', { hasText: '/app/server.js' }).waitFor({ timeout: WAIT });
  await visibleWebview().locator('#only-b-files code', { hasText: '/etc/sample.conf' }).waitFor({ timeout: WAIT });
});



await step('Layer Files moves to the bottom layer when it is picked', 'layer-files-bottom', async () => {
  await tab(`Layer Files ${IMAGE}`).click({ timeout: WAIT });
  await visibleWebview().locator('#layer').selectOption('0');
  await visibleWebview().locator('#status', { hasText: /^Changes in layer 1\. ADD rootfs\.tar/ }).waitFor({ timeout: WAIT });
});

await step('a window reload brings every panel back: Inspect, History, Layer Files on the layer it showed, Wasted Space', 'reload', async () => {
  // As a user reloads: the workbench saves its editors' state first (a bare page reload can outrun that save).
  await runCommand('Developer: Reload Window');
  await page.waitForEvent('load', { timeout: 60_000 });
  await page.locator('.part.activitybar a.action-label[aria-label^="Image Layers"]').waitFor({ timeout: 60_000 });
  await tab(`Layer Files ${IMAGE}`).click({ timeout: WAIT });
  await visibleWebview().locator('#status', { hasText: /^Changes in layer 1\. ADD rootfs\.tar/ }).waitFor({ timeout: WAIT });
  const selected = await visibleWebview().locator('#layer').inputValue();
  if (selected !== '0') throw new Error(`the restored Layer Files panel is on layer ${selected}, not 0`);
  await tab(`Wasted Space ${IMAGE}`).click({ timeout: WAIT });
  const score = (await visibleWebview().locator('#score').innerText({ timeout: WAIT })).trim();
  if (!/^99\.9/.test(score)) throw new Error(`the restored Wasted Space panel reads "${score}"`);
  await tab(`History ${IMAGE}`).click({ timeout: WAIT });
  const rows = visibleWebview().locator('table.history tbody tr');
  await rows.first().waitFor({ timeout: WAIT });
  if (!(await rows.allInnerTexts()).some((t) => t.includes('COPY app /app'))) throw new Error('the restored History panel lacks "COPY app /app"');
  await tab(`Inspect ${IMAGE}`).click({ timeout: WAIT });
  const id = visibleWebview().locator('code.image-id');
  await id.waitFor({ timeout: WAIT });
  const text = (await id.innerText()).trim();
  if (text !== appId) throw new Error(`the restored Inspect panel shows ID ${text}, expected ${appId}`);
});

await step('Load Image Archive… loads the archive picked in the file dialog, and names what is wrong with a broken one', 'load', async () => {
  // A toast may come and go before it is looked for: the notification centre keeps them all.
  const seeNotification = async (text) => {
    await runCommand('Notifications: Show Notifications');
    await page.locator('.notifications-center .notification-list-item', { hasText: text }).first().waitFor({ timeout: WAIT });
    await page.keyboard.press('Escape');
  };
  const loadFromDialog = async (file) => {
    await runCommand('Image Layers: Load Image Archive');
    // code-server's file dialog is a path box in the quick input.
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: WAIT });
    // The dialog first fills in and lists the folder it starts from; a path typed before that is overwritten.
    await page.waitForFunction(() => document.querySelector('.quick-input-widget input.input')?.value.endsWith('/'), null, { timeout: WAIT });
    await page.waitForFunction(() => document.querySelectorAll('.quick-input-list .monaco-list-row').length >= 2, null, { timeout: WAIT });
    const listed = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).first();
    for (let attempt = 1; ; attempt++) {
      // Typed as a user types it: the dialog follows the path key by key (and completes folder names as it goes).
      await input.press('Control+a');
      await page.keyboard.type(file, { delay: 10 });
      try {
        await listed.waitFor({ timeout: 5000 });
        break;
      } catch (e) {
        if (attempt === 3) throw new Error(`the file dialog did not take the path typed: it reads "${await input.inputValue()}"`, { cause: e });
      }
    }
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Load' }).click({ timeout: WAIT });
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: WAIT });
  };
  await loadFromDialog(archives.good);
  await expand(row(1, LOADED));
  await row(2, '1').first().waitFor({ timeout: WAIT });
  await seeNotification(`Loaded ${LOADED}:1.`);
  await loadFromDialog(archives.broken);
  await seeNotification(/broken\.tar is not a readable tar archive \(Unexpected end of data\); it may be truncated or damaged/);
});

await step('Tag Image… adds a tag; Remove Image… asks first, then only untags, since another tag holds the image', 'tag-remove', async () => {
  await fromContextMenu(row(2, '1'), 'Tag Image…');
  const input = page.locator('.quick-input-widget input.input[placeholder*="registry.example.com"]');
  await input.waitFor({ timeout: WAIT });
  await input.fill(`${LOADED}:retagged`);
  await input.press('Enter');
  await row(2, 'retagged').waitFor({ timeout: WAIT });
  await fromContextMenu(row(2, 'retagged'), 'Remove Image…');
  const dialog = page.locator('.monaco-dialog-box');
  const question = dialog.locator('.dialog-message-text', { hasText: `Remove ${LOADED}:retagged?` });
  const pick = page.locator('.quick-input-widget input.input[placeholder*="Images to remove"]');
  await Promise.race([question.waitFor({ timeout: WAIT }), pick.waitFor({ timeout: WAIT })]).catch(() => undefined);
  if (await pick.isVisible()) {
    // The menu ran while the tree was redrawn after the tag, on no row: the command asks which image, as it would
    // a user, and the image is picked there.
    await pick.fill('retagged');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: `${LOADED}:retagged` }).locator('.monaco-checkbox, input[type="checkbox"]').first().click();
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
  }
  await question.waitFor({ timeout: WAIT });
  await dialog.locator('.monaco-button', { hasText: /^Remove$/ }).click();
  await page.locator('.part.statusbar', { hasText: `Untagged: ${LOADED}:retagged` }).waitFor({ timeout: WAIT });
  await row(2, 'retagged').waitFor({ state: 'detached', timeout: WAIT });
  await row(2, '1').waitFor({ timeout: WAIT });
});

await step('the built-in store cannot run containers: Run Image… is in neither the tag\'s menu nor the palette', 'no-run', async () => {
  const menu = page.locator('.context-view .monaco-menu');
  await row(2, '1').click({ button: 'right' });
  // Tag Image… shows the menu is open and filled in.
  await menu.locator('.action-label', { hasText: /^Tag Image…$/ }).waitFor({ timeout: WAIT });
  const inMenu = await menu.locator('.action-label', { hasText: /^Run Image…$/ }).count();
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden', timeout: WAIT });
  if (inMenu) throw new Error('the context menu offers Run Image… on the built-in store');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill('>Image Layers: Run Image');
  // Exact matches are listed at once; "similar commands" (or "No matching commands") come after them.
  await page.locator('.quick-input-widget', { hasText: /similar commands|No matching commands|Image Layers: Run Image…/ }).waitFor({ timeout: WAIT });
  const inPalette = await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Image Layers: Run Image…' }).count();
  await page.keyboard.press('Escape');
  if (inPalette) throw new Error('the command palette offers Run Image… on the built-in store');
});

await step('Search Images finds the image in a registry by its host, and pulls the tag picked', 'search', async () => {
  await runCommand('Image Layers: Search Images');
  const input = page.locator('.quick-input-widget input.input[placeholder*="registry.example"]');
  await input.waitFor({ timeout: WAIT });
  await input.fill(`${registry.addr}/e2e`);
  await input.press('Enter');
  await pickInQuickInput('sample', `${registry.addr}/${PUSHED}`, 'pick one to pull');
  await pickInQuickInput(TAG, TAG, 'Tag of');
  await expand(row(1, `${registry.addr}/${PUSHED}`));
  const tag = row(2, TAG).filter({ has: page.locator('.label-description', { hasText: shortId }) });
  await tag.first().waitFor({ timeout: WAIT });
});

/** An image whose build step tries to close the tooltip's code block, then link and load a remote image. */
const HOSTILE = 'hostile/steps:breakout';
const EVIL = 'evil.example';
const BREAKOUT = `RUN echo hi\n   \`\`\`\n[click me](https://${EVIL}/steal) ![pixel](https://${EVIL}/pixel.png)`;
async function loadHostileImage() {
  const require = createRequire(import.meta.url);
  const { writeDockerSaveArchive } = require(path.join(repoRoot, 'out/test/fixtures/archives.js'));
  const { BuiltinStore } = require(path.join(repoRoot, 'out/src/backend/store/index.js'));
  const archive = path.join(work, 'archives', 'hostile.tar');
  const layers = [{ files: [{ path: 'hostile.txt', content: 'x' }] }];
  await writeDockerSaveArchive(archive, [{ tags: [HOSTILE], layers, history: [{ created_by: BREAKOUT }] }]);
  // Loaded by another process's store, as the command line would: the view follows by itself.
  const store = new BuiltinStore(storePath);
  await store.loadArchive(archive);
  store.dispose();
}

await step('a layer tooltip whose build step tries to break out of its code block shows it as text: no link, no remote image', 'hostile-tooltip', async () => {
  const requested = [];
  const onRequest = (r) => r.url().includes(EVIL) && requested.push(r.url());
  page.context().on('request', onRequest);
  try {
    await loadHostileImage();
    await openPane('Images');
    await expand(row(1, HOSTILE.split(':')[0]));
    await expand(row(2, 'breakout'));
    const layer = imagesPane().locator('.monaco-list-row[aria-level="3"]', { hasText: 'RUN echo hi' }).first();
    const hover = page.locator('.monaco-hover:visible, .workbench-hover:visible', { hasText: 'click me' }).first();
    // The tooltip is made on hover with the layer's packages line, which reads the layer first: on a busy machine
    // the first hover can show only the row's label, and the next one the tooltip.
    for (let attempt = 1; ; attempt++) {
      await page.mouse.move(1200, 880);
      await layer.hover();
      if (await hover.waitFor({ timeout: 5000 }).then(() => true, () => false)) break;
      if (attempt === 5) throw new Error('no tooltip on the layer row');
    }
    // Long enough for a remote image in the tooltip to be asked for.
    await page.waitForTimeout(1500);
    const live = await hover.locator('a, img').evaluateAll((els) => els.map((e) => e.outerHTML));
    const shown = await hover.innerText();
    const wrong = [
      live.length && `the tooltip holds live markup: ${live.join(' ')}`,
      requested.length && `the browser asked for ${requested.join(', ')}`,
      !shown.includes(`[click me](https://${EVIL}/steal) ![pixel](https://${EVIL}/pixel.png)`) && `the tooltip reads "${shown}"`,
    ].filter(Boolean);
    if (wrong.length) throw new Error(wrong.join('\n'));
  } finally {
    page.context().off('request', onRequest);
  }
}, { keepMouse: true });

process.exit(
  await run.finish(async () => {
    await wbHandle?.stop();
    await registry?.stop();
    if (keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }),
);
