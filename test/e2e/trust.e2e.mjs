// A folder opened in Restricted Mode (VS Code's workspace trust on, the folder not trusted): a real VS Code
// (code-server) in headless Chromium. The folder's .vscode/settings.json points the extension at an engine socket
// nobody listens on and at a store folder of its own, as a hostile repository could; the user's settings say the
// built-in store holding the sample images. The extension runs, and only the user's settings count: the Images
// view lists the user's store, and a Dockerfile in the folder hovers with what that store says.
// Screenshots in test-results/e2e-trust-*.png. `node test/e2e/trust.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedSampleStore } from '../../scripts/lib/samples.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('trust');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-trust-'));
const storePath = path.join(work, 'store');
const folderStore = path.join(work, 'folder-store');
const deadSocket = path.join(work, 'nobody-here.sock');

let handle;
console.log('e2e (trust): an untrusted folder cannot point the extension elsewhere');
try {
  buildOnce();
  await seedSampleStore(storePath);
  const workspace = path.join(work, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'imageLayers.backend': 'docker', 'imageLayers.dockerHost': `unix://${deadSocket}`, 'imageLayers.storePath': folderStore }, null, 2),
  );
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM sample/app:1.0\nRUN echo hello\n');
  handle = await startWorkbench(run, {
    work,
    workspace,
    workspaceTrust: true,
    settings: { 'imageLayers.backend': 'builtin', 'imageLayers.storePath': storePath },
  });
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;

await run.step('the folder opens in Restricted Mode and the extension runs in it', 'restricted', async () => {
  await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor({ timeout: WAIT });
  await wb.showExtension();
});

await run.step("the Images view lists the user's store, not the folder's engine or store", 'images', async () => {
  await wb.row('Images', 1, 'sample/app').waitFor({ timeout: WAIT });
  const text = await wb.pane('Images').innerText();
  if (/unreachable|nobody-here|Retry/i.test(text)) throw new Error(`the view follows the folder's engine: ${text}`);
  if (fs.existsSync(folderStore)) throw new Error(`the folder's store ${folderStore} was made`);
});

await run.step("hovering the Dockerfile's FROM tells what the user's store holds", 'hover', async () => {
  await page.keyboard.press('Control+P');
  await wb.pickInQuickInput('Dockerfile', /^Dockerfile/);
  const hover = await wb.hoverOn('FROM sample/app:1.0', 'sample/app:1.0', 'layers');
  const text = await hover.innerText();
  if (!/4 layers/.test(text)) throw new Error(`the hover says: ${text}`);
}, { keepMouse: true });

process.exit(
  await run.finish(async () => {
    await handle?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
