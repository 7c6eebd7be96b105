// Each Dockerfile step's cost on its line, on a real dockerd: a five-step Dockerfile over a busybox base built
// here is built with BuildKit; the editor must show above each step that made a layer the size `docker history`
// gives, its share of the image and its dead bytes; an edited step says it changed since the build; the step that
// wrote a file a later step removed carries a warning whose quick fix (through the refactor preview) gives a
// Dockerfile whose rebuilt image holds no such file. Screenshots test-results/e2e-lens-*.png.
// `node test/e2e/lens.e2e.mjs [--keep]`; IMAGE_LAYERS_E2E_THEME="Default Dark Modern" for the dark theme.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { createRequire } from 'node:module';
import { repoRoot } from '../../scripts/lib/code-server.mjs';
import { startDockerd } from '../../scripts/lib/services.mjs';
import { buildOnce, e2eRun, startWorkbench, workbench, WAIT } from './lib/workbench.mjs';

const keep = process.argv.includes('--keep');
const run = e2eRun('lens');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-e2e-lens-'));
buildOnce();
const require = createRequire(import.meta.url);
const { build, saveImage } = require(path.join(repoRoot, 'out/test/integration/builds.js'));
const { formatBytes } = require(path.join(repoRoot, 'out/src/core/format.js'));
const tar = require('tar-stream');

const APP = 'lens/app:1';
const BIG = 300_000;
const DOCKERFILE = [
  'FROM lens/base:1',
  'COPY hello.txt /hello.txt',
  `RUN head -c ${BIG} /dev/zero > /tmp/big.bin`,
  'ENV GREETING=hi',
  'RUN echo data > /data.txt && rm /tmp/big.bin',
  'CMD ["sh"]',
  '',
].join('\n');
const FIXED = [
  'FROM lens/base:1',
  'COPY hello.txt /hello.txt',
  `RUN head -c ${BIG} /dev/zero > /tmp/big.bin && rm /tmp/big.bin`,
  'ENV GREETING=hi',
  'RUN echo data > /data.txt',
  'CMD ["sh"]',
  '',
].join('\n');

/** A build context as a tar: `files` by name (a Buffer or text; mode 0755 for the busybox). */
async function contextOf(files) {
  const pack = tar.pack();
  const mtime = new Date(Date.UTC(2024, 0, 1));
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mtime, mode: name === 'busybox' ? 0o755 : 0o644 }, body);
  pack.finalize();
  const chunks = [];
  for await (const c of pack) chunks.push(c);
  return Buffer.concat(chunks);
}

function engineGet(socketPath, p) {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: `/v1.41${p}` }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${p}: HTTP ${res.statusCode} ${body}`))));
      })
      .on('error', reject);
  });
}

/** The workspace as `docker build .` sends it. */
const buildWorkspace = async (dockerd, workspace) =>
  build(dockerd.socketPath, await contextOf({ Dockerfile: fs.readFileSync(path.join(workspace, 'Dockerfile')), 'hello.txt': fs.readFileSync(path.join(workspace, 'hello.txt')) }), {
    tag: APP,
    dockerfile: 'Dockerfile',
    buildkit: true,
  });

let dockerd;
let wbHandle;
let workspace;
console.log('e2e (lens): each Dockerfile step\'s cost on its line, on dockerd');
try {
  dockerd = await startDockerd(work);
  const base = ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', 'RUN mkdir -p /tmp', 'CMD ["sh"]', ''].join('\n');
  await build(dockerd.socketPath, await contextOf({ Dockerfile: base, busybox: fs.readFileSync('/bin/busybox') }), { tag: 'lens/base:1', dockerfile: 'Dockerfile', buildkit: true });
  workspace = path.join(work, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), DOCKERFILE);
  fs.writeFileSync(path.join(workspace, 'hello.txt'), 'hello\n');
  await buildWorkspace(dockerd, workspace);
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

/** Each lens line of the editor with the text of the source line under it, top to bottom. */
const lensesByLine = () =>
  page.evaluate(() => {
    const editor = document.querySelector('.part.editor .editor-instance .monaco-editor');
    if (!editor) return [];
    const lines = [...editor.querySelectorAll('.view-lines .view-line')].map((l) => ({ top: l.getBoundingClientRect().top, text: l.textContent.replace(/\u00a0/g, ' ') }));
    return [...editor.querySelectorAll('.codelens-decoration')]
      .map((d) => {
        const r = d.getBoundingClientRect();
        const under = lines.filter((l) => l.top >= r.bottom - 2).sort((a, b) => a.top - b.top)[0];
        return { top: r.top, lens: d.textContent.replace(/\u00a0/g, ' ').trim(), line: under?.text ?? '' };
      })
      .sort((a, b) => a.top - b.top)
      .map(({ lens, line }) => ({ lens, line }));
  });

/** Waits until the lenses satisfy `check` (which throws a sentence until they do). */
async function untilLenses(check) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const lenses = await lensesByLine();
    try {
      return check(lenses);
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${e.message}\n    the lenses: ${JSON.stringify(lenses, null, 1)}`, { cause: e });
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

const lensOn = (lenses, line) => lenses.find((l) => l.line.trim() === line)?.lens;

async function goToLine(n) {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(n));
  await page.keyboard.press('Enter');
}

await run.step('each step that made a layer shows its size, its share and its dead bytes, as docker history says', 'steps', async () => {
  await wb.showExtension();
  // Quick Open can be closed by the workbench still settling (a view shown on first run takes the focus): again.
  const input = page.locator('.quick-input-widget input.input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    try {
      await input.fill('Dockerfile', { timeout: 5000 });
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: /^Dockerfile/ }).waitFor({ timeout: 5000 });
      await input.press('Enter');
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await page.locator('.part.editor .tab.active', { hasText: /^Dockerfile/ }).waitFor({ timeout: WAIT });
  // What the engine says of the image: each row's size (docker history, oldest first) and the image's size.
  const rows = (await engineGet(dockerd.socketPath, `/images/${encodeURIComponent(APP)}/history`)).reverse();
  const image = await engineGet(dockerd.socketPath, `/images/${encodeURIComponent(APP)}/json`);
  const sizeOf = (text) => {
    const row = rows.find((r) => r.CreatedBy.includes(text));
    if (!row) throw new Error(`no history row for ${text}`);
    return row.Size;
  };
  const pct = (size) => (size / image.Size) * 100;
  const expect = (size) => `${formatBytes(size)} · ${pct(size) >= 1 ? Math.round(pct(size)) : pct(size) >= 0.1 ? pct(size).toFixed(1) : '<0.1'}% of image`;
  const copy = sizeOf('COPY hello.txt /hello.txt');
  const write = sizeOf('head -c');
  const remove = sizeOf('echo data');
  if (write < BIG) throw new Error(`docker history gives the writing step ${write} bytes`);
  await untilLenses((lenses) => {
    const from = lensOn(lenses, 'FROM lens/base:1') ?? '';
    if (!from.includes(`${APP} (found by its history)`)) throw new Error(`the FROM line says "${from}"`);
    const want = {
      'COPY hello.txt /hello.txt': expect(copy),
      [DOCKERFILE.split('\n')[2]]: `${expect(write)} · ${formatBytes(BIG)} dead (hidden by line 5)`,
      [DOCKERFILE.split('\n')[4]]: `${expect(remove)} · hides ${formatBytes(BIG)} of line 3`,
    };
    for (const [line, text] of Object.entries(want)) {
      const got = lensOn(lenses, line);
      if (!got?.startsWith(text) || !got.includes('Files')) throw new Error(`above "${line}": "${got}", not "${text} | Files"`);
    }
    // ENV and CMD made no layer: nothing above them.
    for (const line of ['ENV GREETING=hi', 'CMD ["sh"]']) if (lensOn(lenses, line)) throw new Error(`a lens above ${line}: ${lensOn(lenses, line)}`);
  });
});

await run.step('the step that wrote the removed file carries a warning naming the path, the bytes and the later step', 'warning', async () => {
  await wb.runCommand('Problems: Focus on Problems View');
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: '/tmp/big.bin' });
  await problem.first().waitFor({ timeout: WAIT });
  const text = (await problem.first().innerText()).replace(/\s+/g, ' ');
  const want = `${formatBytes(BIG)} written here is removed by line 5 (RUN), and stays in this step's layer: /tmp/big.bin (${formatBytes(BIG)})`;
  if (!text.includes(want) || !/\[Ln 3,/.test(text)) throw new Error(`the problem reads "${text}", not "${want}" on line 3`);
});

await run.step('an edited step says it changed since the build; the others keep their lenses', 'edited', async () => {
  await page.locator('.part.editor .monaco-editor .view-line', { hasText: 'COPY hello.txt' }).first().click();
  await page.keyboard.press('End');
  await page.keyboard.type('2');
  await untilLenses((lenses) => {
    const copy = lensOn(lenses, 'COPY hello.txt /hello.txt2');
    if (!copy?.includes(`changed since the build of ${APP}`)) throw new Error(`the edited COPY says "${copy}"`);
    if (!lensOn(lenses, DOCKERFILE.split('\n')[2])?.includes('dead')) throw new Error('the RUN below lost its lens');
  });
});

await run.step('the quick fix moves the rm into the writing step; previewed (Ctrl+Enter) it is ticked, ready to apply', 'preview', async () => {
  await page.keyboard.press('Control+Z');
  await untilLenses((lenses) => {
    if (!lensOn(lenses, 'COPY hello.txt /hello.txt')?.includes('of image')) throw new Error('the COPY lens did not come back after the undo');
  });
  await goToLine(3);
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Move the rm of line 5 into this step' });
  await fix.first().waitFor({ timeout: WAIT });
  await fix.first().hover();
  await page.keyboard.press('Control+Enter');
  // The refactor preview: the change as a diff, with Apply and Discard; nothing is changed until Apply.
  const apply = page.getByRole('button', { name: 'Apply', exact: true });
  await apply.waitFor({ timeout: WAIT });
  const text = await page.locator('.part.editor .monaco-editor .view-lines').first().innerText();
  if (text.includes('&& rm /tmp/big.bin\n')) throw new Error('the edit was applied before it was confirmed');
  // Its lines ticked: Apply applies them (lines needing confirmation would start unticked, and Apply do nothing).
  const boxes = page.locator('.part.panel .monaco-list-row .monaco-checkbox');
  await boxes.first().waitFor({ timeout: WAIT });
  const unticked = await page.locator('.part.panel .monaco-list-row .monaco-checkbox:not(.checked)').count();
  if (unticked) throw new Error(`${unticked} of ${await boxes.count()} lines of the preview are not ticked`);
}, { keepMouse: true });

await run.step('applied and rebuilt on dockerd, the image holds no dead bytes and the warning is gone', 'rebuilt', async () => {
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.locator('.part.editor .tab.active', { hasText: /^Dockerfile/ }).click();
  await page.keyboard.press('Control+S');
  const deadline = Date.now() + WAIT;
  while (fs.readFileSync(path.join(workspace, 'Dockerfile'), 'utf8') !== FIXED) {
    if (Date.now() > deadline) throw new Error(`the saved Dockerfile reads:\n${fs.readFileSync(path.join(workspace, 'Dockerfile'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await buildWorkspace(dockerd, workspace);
  // The engine's own save of the rebuilt image: no layer carries the 300 kB file any more.
  const saved = await saveImage(dockerd.socketPath, APP, path.join(work, 'rebuilt.tar'));
  const biggest = Math.max(...[...saved.layers.values()].slice(-3).map((l) => l.fileBytes));
  if (biggest >= BIG) throw new Error(`a layer of the rebuilt image still holds ${biggest} bytes`);
  await untilLenses((lenses) => {
    const write = lensOn(lenses, FIXED.split('\n')[2]);
    if (!write || !write.includes('of image') || write.includes('dead')) throw new Error(`the fixed RUN says "${write}"`);
    if (lenses.some((l) => l.lens.includes('dead') || l.lens.includes('hides'))) throw new Error('a lens still counts dead bytes');
  });
  await page.locator('.markers-panel .monaco-list-row', { hasText: '/tmp/big.bin' }).waitFor({ state: 'detached', timeout: WAIT });
});

await run.step('"Pair Dockerfile with Image…" names another image: the lenses say which steps it was not built from', 'paired', async () => {
  await page.locator('.part.editor .tab.active', { hasText: /^Dockerfile/ }).click();
  await wb.runCommand('Image Layers: Pair Dockerfile with Image…');
  await wb.pickInQuickInput('lens/base:1', 'lens/base:1', 'The image built from');
  await untilLenses((lenses) => {
    if (!lensOn(lenses, 'FROM lens/base:1')?.startsWith('lens/base:1 (paired)')) throw new Error('the FROM line does not name the paired image');
    const changed = lenses.filter((l) => l.lens.includes('changed since the build of lens/base:1')).map((l) => l.line.split(' ')[0]);
    if (changed.join(',') !== 'COPY,RUN,ENV,RUN,CMD') throw new Error(`changed: ${changed}`);
  });
});

await run.step('"Find by its history" takes the pairing back: the rebuilt image again', 'unpaired', async () => {
  await wb.runCommand('Image Layers: Pair Dockerfile with Image…');
  await wb.pickInQuickInput('Find by its history', 'Find by its history', 'The image built from');
  await untilLenses((lenses) => {
    if (!lensOn(lenses, 'FROM lens/base:1')?.startsWith(`${APP} (found by its history)`)) throw new Error('the file is not found again by its history');
  });
});

await run.step('the imageLayers.dockerfileLenses setting turns the lenses off', 'off', async () => {
  await wb.runCommand('Preferences: Open Settings (UI)');
  await page.locator('.settings-editor').waitFor({ timeout: WAIT });
  await page.keyboard.type('imageLayers.dockerfileLenses');
  const box = page.locator('.settings-editor .setting-item-bool', { hasText: 'Dockerfile Lenses' }).locator('.setting-value-checkbox');
  await box.waitFor({ timeout: WAIT });
  await box.click();
  await page.locator('.settings-editor .setting-item-bool .setting-value-checkbox:not(.checked)').first().waitFor({ timeout: WAIT });
  await page.locator('.part.editor .tab', { hasText: /^Dockerfile/ }).click();
  await untilLenses((lenses) => {
    if (lenses.length) throw new Error('the lenses are still shown');
  });
});

process.exit(
  await run.finish(async () => {
    await wbHandle?.stop();
    await dockerd?.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }),
);
