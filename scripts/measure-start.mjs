// First contact, timed: `npm start` in a checkout, then a browser on the URL it prints, until the Images view shows
// the sample images. Prints the seconds to each point and whether the window opened on the Images view by itself.
//
//   node scripts/measure-start.mjs [--dir CHECKOUT] [--home DIR]
// --home runs `npm start` with HOME (so npm's cache and ~/.cache/image-layers) in DIR: an empty DIR is a new user.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from './lib/browser.mjs';
import { freePort, repoRoot } from './lib/code-server.mjs';

const { values: opts } = parseArgs({ options: { dir: { type: 'string' }, home: { type: 'string' } } });
const dir = path.resolve(opts.dir ?? repoRoot);
const port = await freePort({ start: 18080 });
const env = { ...process.env, PORT: String(port) };
if (opts.home) {
  env.HOME = path.resolve(opts.home);
  delete env.IMAGE_LAYERS_CACHE;
  delete env.npm_config_cache;
}
for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const child = spawn('npm', ['start', '--', '--server'], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
const url = await new Promise((resolve, reject) => {
  const onData = (d) => {
    output += d;
    const m = /^\s+(http:\/\/\S+)$/m.exec(output);
    if (m) resolve(m[1]);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (d) => (output += d));
  child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output.split('\n').slice(-20).join('\n')}`)));
});
const ready = secs();
console.log(`npm start printed its URL: ${ready} s`);
const browser = await launchBrowser();
let exitCode = 0;
try {
  await browser.page.goto(url);
  const pane = browser.page.locator('.pane', { has: browser.page.locator('.pane-header', { hasText: /^Images/i }) });
  const row = pane.locator('.monaco-list-row', { hasText: 'sample/app' });
  await row.first().waitFor({ timeout: 120_000 });
  console.log(`the Images view shows sample/app, without a click: ${secs()} s after npm start (${(Number(secs()) - Number(ready)).toFixed(1)} s after the URL)`);
} catch (e) {
  console.log(`the window did not show the Images view by itself (${e.message.split('\n')[0]})`);
  exitCode = 1;
} finally {
  await browser.close();
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {
    /* gone */
  }
}
await new Promise((r) => child.once('exit', r));
process.exit(exitCode);
