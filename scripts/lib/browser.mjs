// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with a fresh profile each launch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Launches Chromium with a fresh user-data-dir (a persistent context, so the profile is ours and is removed on
 * close). Returns { context, page, close() }.
 * @param {{ viewport?: { width: number, height: number }, headless?: boolean }} [opts]
 */
export async function launchBrowser(opts = {}) {
  if (!fs.existsSync(chromiumPath) && !process.env.CHROMIUM_PATH) {
    // A fresh machine has no browser: Debian's chromium is the one these tests drive.
    const { ensureDebianPackages } = await import('./apt.mjs');
    await ensureDebianPackages([{ bin: 'chromium', pkg: 'chromium' }]);
  }
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-chromium-'));
  const headless = opts.headless ?? process.env.HEADED !== '1';
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless,
    args: headless ? chromiumArgs : chromiumArgs.filter((a) => !a.startsWith('--headless')),
    viewport: opts.viewport ?? { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, page, close };
}
