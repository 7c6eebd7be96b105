// Image files in a real VS Code: Open Image Filesystem puts an image in the Explorer, its files open read-only
// with the language their name implies; Layer Files opens a file as of layer 3 and as of layer 5 and diffs them;
// Compare opens a file of the second image and diffs the two images' copies. Two images of five layers in the
// built-in store, loaded from a `docker save` archive written by code.
// Screenshots: test-results/e2e-files-*.png. `node test/e2e/files.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from '../../scripts/lib/code-server.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('files');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-files-'));
const storePath = path.join(work, 'store');
const A = 'files/web:1';
const B = 'files/web:2';
const SETTINGS = 'etc/web/settings.json';
const settingsAt = (n, extra = '') => `{\n  "workers": ${n},\n  "layer": "${n}"${extra}\n}\n`;

/** Two images of five layers: settings.json written at layers 3 and 5; B's fifth layer writes it otherwise. */
function images() {
  const layers = (top) => [
    { files: [{ path: 'etc/os-release', content: 'NAME=files\n' }, { path: 'bin/run.sh', content: '#!/bin/sh\necho run\n', mode: 0o755 }] },
    { files: [{ path: 'srv/index.html', content: '<h1>hello</h1>\n' }] },
    { files: [{ path: SETTINGS, content: settingsAt(3) }] },
    { files: [{ path: 'srv/app.js', content: 'console.log("layer 4");\n' }] },
    { files: [{ path: SETTINGS, content: top }] },
  ];
  return [
    { tags: [A], layers: layers(settingsAt(5)) },
    { tags: [B], layers: layers(settingsAt(5, ',\n  "tls": true')) },
  ];
}

let wbHandle;
console.log('e2e (files): image files in the Explorer, opened and diffed from the panels');
try {
  buildOnce();
  const require = createRequire(import.meta.url);
  const { writeDockerSaveArchive } = require(path.join(repoRoot, 'out/test/fixtures/archives.js'));
  const { BuiltinStore } = require(path.join(repoRoot, 'out/src/backend/store/index.js'));
  const archive = path.join(work, 'files.tar');
  await writeDockerSaveArchive(archive, images());
  const store = new BuiltinStore(storePath);
  await store.loadArchive(archive);
  store.dispose();
  const workspace = path.join(work, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  wbHandle = await startWorkbench(run, {
    work,
    workspace,
    settings: { 'imageLayers.backend': 'builtin', 'imageLayers.storePath': storePath },
  });
  // A multi-root workspace (a .code-workspace file), where a folder is added in place; a window on one folder
  // becomes an untitled workspace and reloads when a second is added (VS Code's own behaviour).
  const file = path.join(work, 'files.code-workspace');
  fs.writeFileSync(file, JSON.stringify({ folders: [{ path: workspace }] }));
  await wbHandle.page.goto(`${wbHandle.server.url.replace(/\/$/, '')}/?workspace=${encodeURIComponent(file)}`);
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;
const row = (level, label) => wb.row('Images', level, label);
const activeTab = (text) => page.locator('.part.editor .tab.active', { hasText: text });
/** The text of the visible editors' lines (a diff shows both sides). */
const editorText = (editor) => editor.locator('.view-lines').allInnerTexts().then((t) => t.join('\n').replace(/\u00a0/g, ' '));

await run.step('Open Image Filesystem puts files/web:1 in the Explorer; a file opens read-only, as JSON', 'explorer', async () => {
  await wb.showExtension();
  await wb.openPane('Images');
  await wb.expand(row(1, 'files/web'));
  await wb.fromContextMenu(row(2, '1'), 'Open Image Filesystem');
  const explorer = 'files';
  const folder = wb.row(explorer, 1, `${A} (layer 5 of 5)`);
  await folder.first().waitFor({ timeout: WAIT });
  await wb.expand(folder);
  await wb.expand(wb.row(explorer, 2, 'etc'));
  await wb.expand(wb.row(explorer, 3, 'web'));
  await wb.row(explorer, 4, 'settings.json').first().click();
  await activeTab('settings.json').waitFor({ timeout: WAIT });
  const editor = page.locator('.part.editor .editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: '"layer": "5"' }).waitFor({ timeout: WAIT });
  await page.locator('.part.statusbar', { hasText: 'JSON' }).waitFor({ timeout: WAIT });
  await editor.locator('.view-lines').click();
  await page.keyboard.type('x');
  await page.locator('.monaco-editor-overlaymessage', { hasText: /read-?only/i }).waitFor({ timeout: WAIT });
  const text = await editorText(editor);
  if (/x\{|"workers": 5x/.test(text)) throw new Error(`the file took a keystroke:\n${text}`);
}, { keepMouse: true });

await run.step('Layer Files at layer 3 opens settings.json as layer 3 wrote it', 'layer-3', async () => {
  await wb.showExtension();
  await wb.openPane('Images');
  await wb.expand(row(1, 'files/web'));
  await wb.expand(row(2, '1'));
  const layer3 = wb.pane('Images').locator('.monaco-list-row[aria-level="3"]', { hasText: 'COPY layer3' }).first();
  await wb.fromContextMenu(layer3, 'Show Layer Files');
  await activeTab(`Layer Files ${A}`).waitFor({ timeout: WAIT });
  const view = wb.visibleWebview();
  await view.locator('#status', { hasText: /^Changes in layer 3/ }).waitFor({ timeout: WAIT });
  for (const dir of ['etc', 'web']) await view.locator('.row', { hasText: new RegExp(`^.${dir}/`) }).first().click();
  const file = view.locator('.row[data-path="etc/web/settings.json"]');
  await file.hover();
  await file.locator('button.file-action', { hasText: 'Open' }).click();
  await activeTab('settings.json').waitFor({ timeout: WAIT });
  const editor = page.locator('.part.editor .editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: '"layer": "3"' }).waitFor({ timeout: WAIT });
});

await run.step('at layer 5, Diff ↓ shows settings.json as of layer 4 (layer 3\'s) against layer 5\'s', 'diff-layers', async () => {
  await page.locator('.part.editor .tab', { hasText: `Layer Files ${A}` }).click();
  const view = wb.visibleWebview();
  await view.locator('#layer').selectOption('4');
  await view.locator('#status', { hasText: /^Changes in layer 5/ }).waitFor({ timeout: WAIT });
  for (const dir of ['etc', 'web']) await view.locator('.row', { hasText: new RegExp(`^.${dir}/`) }).first().click();
  const file = view.locator('.row[data-path="etc/web/settings.json"]');
  await file.hover();
  await file.locator('button.file-action', { hasText: 'Diff ↓' }).click();
  await activeTab(/settings\.json \(files\/web:1, layer 4\) ↔ settings\.json \(files\/web:1, layer 5\)/).waitFor({ timeout: WAIT });
  const diff = page.locator('.part.editor .monaco-diff-editor').first();
  await diff.locator('.editor.original .view-lines', { hasText: '"layer": "3"' }).waitFor({ timeout: WAIT });
  await diff.locator('.editor.modified .view-lines', { hasText: '"layer": "5"' }).waitFor({ timeout: WAIT });
});

await run.step('a Layer Files row offers Open, Diff ↓, Copy path and Save…; Copy path and Save… do what they say', 'row-actions', async () => {
  await page.locator('.part.editor .tab', { hasText: `Layer Files ${A}` }).click();
  // A panel shown again opens the folders it had open: a folder still closed is opened.
  const view = wb.visibleWebview();
  await view.locator('#status', { hasText: /^Changes in layer 5/ }).waitFor({ timeout: WAIT });
  for (const dir of ['etc', 'etc/web']) {
    const row = view.locator(`.row[data-path="${dir}"]`);
    await row.waitFor({ timeout: WAIT });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }
  const file = view.locator('.row[data-path="etc/web/settings.json"]');
  await file.hover();
  const labels = (await file.locator('button.file-action').allInnerTexts()).map((t) => t.trim());
  if (labels.join('|') !== 'Open|Diff ↓|Copy path|Save…') throw new Error(`the row offers ${labels.join(', ')}`);
  await file.locator('button.file-action', { hasText: 'Copy path' }).click();
  await page.locator('.part.statusbar', { hasText: 'Copied /etc/web/settings.json' }).waitFor({ timeout: WAIT });
  await file.hover();
  await file.locator('button.file-action', { hasText: 'Save…' }).click();
  // VS Code's own save dialog (a quick input in a browser) proposes the workspace folder and the file's name.
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: WAIT });
  // The dialog fills its field in two moves (the folder, then the name).
  let proposed = '';
  for (const until = Date.now() + 10_000; Date.now() < until && !proposed.endsWith('settings.json'); await page.waitForTimeout(100)) proposed = await input.inputValue();
  if (!proposed.endsWith('/workspace/settings.json')) throw new Error(`the save dialog proposes ${proposed}`);
  await input.fill(proposed.replace(/settings\.json$/, 'saved-settings.json'));
  await input.press('Enter');
  await page.locator('.part.statusbar', { hasText: /Saved \/etc\/web\/settings\.json to .*saved-settings\.json/ }).waitFor({ timeout: WAIT });
  const saved = fs.readFileSync(path.join(work, 'workspace', 'saved-settings.json'), 'utf8');
  if (saved !== settingsAt(5)) throw new Error(`the saved file holds ${JSON.stringify(saved)}`);
  await file.hover();
}, { keepMouse: true });

await run.step('Compare files/web:1 with files/web:2: open the second image\'s settings.json, then diff across images', 'diff-images', async () => {
  await wb.showExtension();
  await wb.expand(row(1, 'files/web'));
  await wb.fromContextMenu(row(2, '1'), 'Compare With Another Image…');
  await wb.pickInQuickInput(B, B, 'Compare');
  await activeTab(`Compare ${A}`).waitFor({ timeout: WAIT });
  const view = wb.visibleWebview();
  const differ = view.locator('#differ-files tr', { hasText: '/etc/web/settings.json' });
  await differ.waitFor({ timeout: WAIT });
  const labels = (await differ.locator('button.file-action').allInnerTexts()).map((t) => t.trim());
  if (labels.join('|') !== 'Diff|Open A|Open B') throw new Error(`the Compare row offers ${labels.join(', ')}`);
  await differ.scrollIntoViewIfNeeded();
  await page.screenshot({ path: run.shotPath('compare-row') });
  await differ.locator('button.file-action', { hasText: 'Open B' }).click();
  await activeTab('settings.json').waitFor({ timeout: WAIT });
  const editor = page.locator('.part.editor .editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: '"tls": true' }).waitFor({ timeout: WAIT });
  await page.locator('.part.editor .tab', { hasText: `Compare ${A}` }).click();
  await wb.visibleWebview().locator('#differ-files tr', { hasText: '/etc/web/settings.json' }).locator('button.file-action', { hasText: 'Diff' }).first().click();
  await activeTab(/settings\.json \(files\/web:1, layer 5\) ↔ settings\.json \(files\/web:2, layer 5\)/).waitFor({ timeout: WAIT });
  const diff = page.locator('.part.editor .monaco-diff-editor').first();
  await diff.locator('.editor.modified .view-lines', { hasText: '"tls": true' }).waitFor({ timeout: WAIT });
  const left = await diff.locator('.editor.original .view-lines').innerText();
  if (/tls/.test(left)) throw new Error(`the left side (files/web:1) shows tls:\n${left}`);
});

process.exit(
  await run.finish(async () => {
    await wbHandle?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
