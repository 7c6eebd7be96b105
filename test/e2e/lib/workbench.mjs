// What every browser test shares: a run of named steps with a screenshot each, the extension's VSIX in a real
// VS Code (code-server) driven by headless Chromium, and the moves a user makes there (open a pane, expand a tree
// row, a context menu entry, a palette command, a quick pick). One file per feature uses it:
//   const run = e2eRun('files');                        // screenshots test-results/e2e-files-<shot>.png
//   const wb = await startWorkbench(run, { work, workspace, settings });
//   await run.step('what the user sees', 'shot', async () => { ... wb.page ... });
//   process.exit(await run.finish(async () => { await wb.stop(); }));
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { devUrl, installVsix, repoRoot, startCodeServer } from '../../../scripts/lib/code-server.mjs';
import { launchBrowser } from '../../../scripts/lib/browser.mjs';

export const WAIT = Number(process.env.IMAGE_LAYERS_E2E_WAIT_MS ?? 30_000);
export const resultsDir = path.join(repoRoot, 'test-results');

/** Builds what the browser tests load (the compiled fixtures, the bundle) when a test runs on its own. */
export function buildOnce() {
  const needed = ['out/test/fixtures/archives.js', 'out/test/integration/builds.js', 'dist/extension.js'].map((f) => path.join(repoRoot, f));
  if (needed.every((f) => fs.existsSync(f))) return;
  console.log('> build');
  spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: repoRoot, stdio: 'inherit' });
  spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
}

/**
 * A run of steps. `prefix` names its screenshots (`e2e-<prefix>-<shot>.png`) and its workbench log; this run's
 * pictures replace the last run's, a stale FAILED picture included, and leave other tests' pictures alone.
 */
export function e2eRun(prefix) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const stem = `e2e-${prefix}-`;
  const failedStem = `e2e-FAILED-${prefix}-`;
  for (const f of fs.readdirSync(resultsDir)) {
    if (f.startsWith(stem) || f.startsWith(failedStem)) fs.rmSync(path.join(resultsDir, f), { force: true });
  }
  const t0 = Date.now();
  const results = [];
  const run = {
    prefix,
    results,
    /** @type {import('playwright-core').Page | undefined} */
    page: undefined,
    secs: (t = t0) => ((Date.now() - t) / 1000).toFixed(1),
    shotPath: (shot) => path.join(resultsDir, `${stem}${shot}.png`),
    /** A step: runs `fn`, then saves its screenshot; a failure saves e2e-FAILED-… and prints what the page showed. */
    async step(name, shot, fn, { keepMouse = false } = {}) {
      const t = Date.now();
      const page = run.page;
      try {
        if (!page) throw new Error('no page: the workbench did not start');
        await fn();
        // Park the mouse on empty editor space so a tree tooltip does not cover the screenshot.
        if (!keepMouse) await page.mouse.move(1200, 880);
        await page.screenshot({ path: run.shotPath(shot) });
        results.push({ name, ok: true });
        console.log(`  ✔ ${name} (${run.secs(t)} s)`);
      } catch (e) {
        results.push({ name, ok: false });
        const file = path.join(resultsDir, `${failedStem}${shot}.png`);
        await page?.screenshot({ path: file }).catch(() => {});
        console.log(`  ✘ ${name} (${run.secs(t)} s)\n    ${String(e?.message ?? e).split('\n').join('\n    ')}`);
        if (page) console.log(`  the page showed:\n${await describePage(page)}\n  screenshot: ${path.relative(repoRoot, file)}`);
      }
    },
    /** A failure outside any step (setting up, say): counted, and said without a stack for an install that failed. */
    fail(name, e) {
      results.push({ name, ok: false });
      console.log(`  ✘ ${name}: ${e?.name === 'InstallError' ? e.message : (e?.stack ?? e)}`);
    },
    /** Stops what `stop` stops, prints and records the counts, and returns the exit code (failed steps). */
    async finish(stop = async () => {}) {
      const passed = results.filter((r) => r.ok).length;
      const failed = results.length - passed;
      const tStop = Date.now();
      await stop().catch((e) => console.log(`  (stopping: ${e?.message ?? e})`));
      console.log(`e2e (${prefix}): ${run.secs()} s in all (stopping took ${run.secs(tStop)} s); screenshots in ${path.relative(repoRoot, resultsDir)}/`);
      if (process.env.IMAGE_LAYERS_COUNTS) {
        fs.appendFileSync(process.env.IMAGE_LAYERS_COUNTS, JSON.stringify({ phase: 'e2e', passed, failed, skipped: 0 }) + '\n');
      }
      console.log(`${passed} passed, ${failed} failed`);
      return failed;
    },
  };
  return run;
}

/**
 * The extension as users get it (the VSIX, built and installed by code-server) in a real VS Code opened on
 * `workspace`, in headless Chromium, once the activity bar shows the extension's icon. Sets `run.page`.
 * IMAGE_LAYERS_E2E_THEME="Default Dark Modern" runs the same steps in another theme.
 */
export async function startWorkbench(run, { work, workspace, settings = {}, workspaceTrust = false }) {
  const t = Date.now();
  const installed = installVsix(path.join(work, 'image-layers.vsix'), path.join(work, 'extensions'));
  console.log(`  VSIX built and installed as ${installed} in ${run.secs(t)} s`);
  const server = await startCodeServer({
    workspace,
    userDataDir: path.join(work, 'user-data'),
    extensionsDir: path.join(work, 'extensions'),
    smokeTestDriver: true,
    workspaceTrust,
    logFile: path.join(work, 'code-server.log'),
    settings: {
      'workbench.editor.enablePreview': false,
      ...settings,
      ...(process.env.IMAGE_LAYERS_E2E_THEME ? { 'workbench.colorTheme': process.env.IMAGE_LAYERS_E2E_THEME } : {}),
    },
  });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await server.stop();
    throw e;
  }
  const page = browser.page;
  run.page = page;
  const log = path.join(resultsDir, `e2e-${run.prefix}-workbench.log`);
  fs.writeFileSync(log, '');
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') fs.appendFileSync(log, `${run.secs()} [${m.type()}] ${m.text()}\n`);
  });
  page.on('pageerror', (e) => fs.appendFileSync(log, `${run.secs()} [pageerror] ${e.message}\n`));
  await page.goto(devUrl({ url: server.url, workspace }));
  return {
    page,
    server,
    browser,
    async stop() {
      await browser.close().catch(() => {});
      await server.stop();
    },
  };
}

/** What the workbench shows, for a failure report. */
export async function describePage(page) {
  const grab = async (label, selector) => {
    const texts = await page
      .locator(selector)
      .allInnerTexts()
      .catch(() => []);
    const text = texts.join(' | ').replace(/\s+/g, ' ').trim();
    return text ? `  ${label}: ${text.slice(0, 600)}` : '';
  };
  const parts = await Promise.all([
    grab('notifications', '.notifications-toasts .notification-list-item'),
    grab('side bar', '.part.sidebar'),
    grab('editor tabs', '.part.editor .tabs-container'),
    grab('quick input', '.quick-input-widget:visible'),
    grab('hover', '.monaco-hover:visible'),
    grab('context menu', '.context-view .monaco-menu'),
    grab('status bar', '.part.statusbar'),
    page
      .evaluate(() => [...document.querySelectorAll('[inert]')].map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').join('.')}`).join(', '))
      .then((t) => (t ? `  inert: ${t}` : ''), () => ''),
  ]);
  return parts.filter(Boolean).join('\n') || '  (nothing readable)';
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The moves a user makes in the workbench, on `page`. */
export function workbench(page) {
  const sidebar = () => page.locator('.part.sidebar');
  /** The side bar's pane whose header starts with `title` (Images, Layers, Storage, Explorer…). */
  const pane = (title) => sidebar().locator('.pane').filter({ has: page.locator('.pane-header', { hasText: new RegExp(`^${title}`) }) });
  /** The rows at tree depth `level` of `title`'s pane whose label is exactly `label`. */
  const row = (title, level, label) =>
    pane(title)
      .locator(`.monaco-list-row[aria-level="${level}"]`)
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
  return {
    sidebar,
    pane,
    row,
    /** The content frame of the visible webview (the inner iframe of the active editor's webview). */
    visibleWebview: () => page.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame'),
    /** An editor tab holding `text`. */
    tab: (text) => page.locator('.part.editor .tab', { hasText: text }),
    async openPane(title) {
      const header = pane(title).locator('.pane-header');
      await header.waitFor({ timeout: WAIT });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click({ position: { x: 12, y: 10 } }); // the twistie: the header's middle may hold its actions
      await pane(title).locator('.pane-header[aria-expanded="true"]').waitFor({ timeout: WAIT });
    },
    async closePane(title) {
      const header = pane(title).locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click({ position: { x: 12, y: 10 } });
      await pane(title).locator('.pane-header[aria-expanded="false"]').waitFor({ timeout: WAIT });
    },
    /**
     * Expands the tree row `r`. The tree redraws when the store changes (after a pull, a load, a tag), and a click
     * that lands on a row being replaced is lost: the row is looked up afresh and clicked again until it is open.
     */
    async expand(r) {
      const deadline = Date.now() + WAIT;
      for (;;) {
        await r.first().waitFor({ timeout: Math.max(1, deadline - Date.now()) });
        if ((await r.first().getAttribute('aria-expanded')) === 'true') return;
        await r.first().click().catch(() => undefined);
        const opened = await r
          .first()
          .and(page.locator('[aria-expanded="true"]'))
          .waitFor({ timeout: 3000 })
          .then(() => true, () => false);
        if (opened) return;
        if (Date.now() > deadline) throw new Error(`the row ${r} did not open`);
      }
    },
    /** Types into the open quick input and accepts the row that holds `text` once it is the focused one. Enter rather
     * than a click: the list re-renders while results arrive, and a click can land on a row being replaced. */
    async pickInQuickInput(filter, text, placeholder) {
      // With `placeholder`, wait for that very pick: one quick input follows another in the same widget.
      const input = page.locator(placeholder ? `.quick-input-widget input.input[placeholder*="${placeholder}"]` : '.quick-input-widget input.input');
      await input.waitFor({ timeout: WAIT });
      await input.fill(filter);
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text }).waitFor({ timeout: WAIT });
      await input.press('Enter');
    },
    /**
     * Right-clicks `target` and runs the context menu's `label` entry. A click that lands while the menu is still
     * placing itself can be lost, leaving the menu open (and the workbench inert under it): then it is clicked again.
     */
    async fromContextMenu(target, label) {
      const menu = page.locator('.context-view .monaco-menu');
      for (let attempt = 1; ; attempt++) {
        if (!(await menu.isVisible())) await target.click({ button: 'right' });
        const entry = menu.locator('.action-label', { hasText: new RegExp(`^${label}$`) });
        await entry.waitFor({ timeout: WAIT });
        await entry.click();
        try {
          await menu.waitFor({ state: 'hidden', timeout: 3000 });
          return;
        } catch (e) {
          if (attempt === 3) throw new Error(`the context menu stayed open after clicking "${label}" three times`, { cause: e });
        }
      }
    },
    /** Runs a command from the palette. F1 can be swallowed while something else holds focus or a menu is up: then
     * Escape clears the way and F1 is pressed again. */
    async runCommand(title) {
      const input = page.locator('.quick-input-widget input.input');
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        try {
          await input.fill(`>${title}`, { timeout: 5000 });
          break;
        } catch (e) {
          if (attempt === 3) throw e;
          await page.keyboard.press('Escape');
        }
      }
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).waitFor({ timeout: WAIT });
      await input.press('Enter');
    },
    /**
     * Hovers the first `text` on the editor line holding `lineText` and waits for a hover holding `expect`. The
     * editor shows a hover after a pause of the mouse: moved off and on again if the first one is missed, and at
     * the last try the cursor is put there and the hover asked for from the keyboard (Ctrl+K Ctrl+I), as users can.
     * Returns the hover's locator.
     */
    async hoverOn(lineText, text, expect = text) {
      const line = page.locator('.part.editor .monaco-editor .view-line', { hasText: lineText });
      await line.first().waitFor({ timeout: WAIT });
      // Where its characters are on the line, measured again on each attempt: the editor may still be laying out.
      const box = () =>
        line.first().evaluate((el, word) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const at = node.textContent.replace(/\u00a0/g, ' ').indexOf(word);
            if (at >= 0) {
              const range = document.createRange();
              range.setStart(node, at);
              range.setEnd(node, Math.min(node.textContent.length, at + word.length));
              const r = range.getBoundingClientRect();
              return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
            }
          }
          return null;
        }, text.slice(0, 6));
      const hover = page.locator('.monaco-hover:visible', { hasText: expect });
      for (let attempt = 1; ; attempt++) {
        const at = await box();
        if (!at) throw new Error(`could not find "${text}" on the line "${lineText}"`);
        await page.mouse.move(at.x, at.y + (at.y > 300 ? -200 : 200));
        if (attempt < 3) {
          await page.mouse.move(at.x, at.y, { steps: 4 });
        } else {
          await page.mouse.click(at.x, at.y);
          await page.keyboard.press('Control+K');
          await page.keyboard.press('Control+I');
        }
        try {
          await hover.first().waitFor({ timeout: 5000 });
          return hover.first();
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
    },
    /** Waits for the extension's activity-bar icon: the workbench is up with the extension installed. */
    async waitForExtension() {
      await page.locator('.part.activitybar a.action-label[aria-label^="Image Layers"]').waitFor({ timeout: 60_000 });
    },
    /** Shows the extension's side bar, clicking its icon when another view container holds the side bar (a
     * workspace without a Dockerfile does not activate the extension, so nothing opens it by itself). */
    async showExtension() {
      const icon = page.locator('.part.activitybar a.action-label[aria-label^="Image Layers"]');
      await icon.waitFor({ timeout: 60_000 });
      if (!(await pane('Images').isVisible())) await icon.click();
      await pane('Images').waitFor({ timeout: WAIT });
    },
    /** Widens the side bar to `width` px by dragging its edge (a wide picture; default-width checks do not call it). */
    async widenSidebar(width) {
      const bar = await sidebar().boundingBox();
      if (!bar) return;
      await page.mouse.move(bar.x + bar.width + 2, bar.y + bar.height / 2);
      await page.mouse.down();
      await page.mouse.move(bar.x + width, bar.y + bar.height / 2, { steps: 5 });
      await page.mouse.up();
    },
  };
}
