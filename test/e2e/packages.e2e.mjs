// Packages in a real VS Code: an image made of this machine's dpkg database (its status, file lists and tar's
// docs), then a layer that removes tar and upgrades gzip. Hovering a layer row says what its packages came to;
// Show Packages from the image's menu lists each layer's packages. Screenshots test-results/e2e-packages-*.png.
// `node test/e2e/packages.e2e.mjs [--keep]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from '../../scripts/lib/code-server.mjs';
import { makeSampleWorkspace } from '../../scripts/lib/samples.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('packages');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-packages-'));
const storePath = path.join(work, 'store');
const INSTALL = 'RUN apt-get install -y tar gzip';

/** The image, loaded into the store the workbench opens. */
async function seedStore() {
  const require = createRequire(import.meta.url);
  const { writeDockerSaveArchive } = require(path.join(repoRoot, 'out/test/fixtures/archives.js'));
  const { BuiltinStore } = require(path.join(repoRoot, 'out/src/backend/store/index.js'));
  const status = fs.readFileSync('/var/lib/dpkg/status', 'utf8');
  const status2 = status
    .split('\n\n')
    .filter((s) => s.trim() && !s.startsWith('Package: tar\n'))
    .map((s) => (s.startsWith('Package: gzip\n') ? s.replace(/^Version: .*$/m, 'Version: 9:1.99-1') : s))
    .join('\n\n');
  const lists = fs.readdirSync('/var/lib/dpkg/info').filter((f) => f.endsWith('.list')).map((f) => ({ path: `var/lib/dpkg/info/${f}`, content: fs.readFileSync(`/var/lib/dpkg/info/${f}`) }));
  const docs = fs
    .readFileSync('/var/lib/dpkg/info/tar.list', 'utf8')
    .split('\n')
    .filter((f) => /^\/usr\/share\/(doc|man|info)\//.test(f) && fs.lstatSync(f, { throwIfNoEntry: false })?.isFile())
    .map((f) => ({ path: f.slice(1), content: fs.readFileSync(f) }));
  const archive = path.join(work, 'packages.tar');
  await writeDockerSaveArchive(archive, [
    {
      tags: ['e2e/packages:1'],
      layers: [{ files: [{ path: 'var/lib/dpkg/status', content: status }, ...lists, ...docs] }, { files: [{ path: 'var/lib/dpkg/status', content: status2 }] }],
      history: [{ created_by: INSTALL }, { created_by: 'RUN apt-get remove -y tar' }],
    },
  ]);
  const store = new BuiltinStore(storePath);
  await store.loadArchive(archive);
  store.dispose();
}

let wbHandle;
console.log('e2e (packages): the packages line on a layer tooltip and the Packages panel, on the built-in store');
try {
  buildOnce();
  await seedStore();
  const workspace = makeSampleWorkspace(path.join(work, 'workspace'), { storePath });
  wbHandle = await startWorkbench(run, { work, workspace, settings: { 'imageLayers.storePath': storePath } });
} catch (e) {
  run.fail('setup', e);
}
const page = run.page;
const wb = page ? workbench(page) : undefined;
const row = (level, label) => wb.row('Images', level, label);
const installed = (await import('node:child_process')).execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\\n'], { encoding: 'utf8' }).split('\n').filter((s) => s === 'installed').length;

await run.step('hovering the install layer says how many packages it added, their size and their docs', 'tooltip', async () => {
  await wb.showExtension();
  await wb.openPane('Images');
  await wb.expand(row(1, 'e2e/packages'));
  await wb.expand(row(2, '1'));
  const layer = wb.pane('Images').locator('.monaco-list-row[aria-level="3"]', { hasText: INSTALL }).first();
  const hover = page.locator('.monaco-hover:visible, .workbench-hover:visible', { hasText: 'Packages:' }).first();
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(1200, 880);
    await layer.hover();
    if (await hover.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
      if (/Packages: \d/.test(await hover.innerText())) break;
    }
    if (attempt === 5) throw new Error(`no packages line on the layer's tooltip: ${await hover.innerText().catch(() => '(none)')}`);
  }
  const text = await hover.innerText();
  if (!new RegExp(`Packages: ${installed.toLocaleString('en-US')} packages added, \\S+, of which \\S+ docs`).test(text)) throw new Error(`the tooltip says: ${text}`);
}, { keepMouse: true });

await run.step('Show Packages lists each layer: what it added, upgraded and removed', 'panel', async () => {
  await page.mouse.move(1200, 880);
  await wb.fromContextMenu(row(2, '1').first(), 'Show Packages');
  await wb.tab('Packages e2e/packages:1').waitFor({ timeout: WAIT });
  const view = wb.visibleWebview();
  await view.locator('section[data-layer="2"]').waitFor({ timeout: WAIT });
  const second = await view.locator('section[data-layer="2"]').innerText();
  if (!/1 upgraded/.test(second) && !/1 package upgraded/.test(second)) throw new Error(`layer 2 says: ${second.slice(0, 300)}`);
  if (!/removed\s+tar\s/.test(second)) throw new Error(`layer 2 does not list tar as removed: ${second.slice(0, 300)}`);
  if (!/upgraded\s+gzip\s+\S+ → 9:1\.99-1/.test(second)) throw new Error(`layer 2 does not list gzip's upgrade: ${second.slice(0, 300)}`);
});

process.exit(
  await run.finish(async () => {
    await wbHandle?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
