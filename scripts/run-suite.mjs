// Runs the extension-host suite (test/suite, compiled to out/test/suite) inside a real VS Code: code-server with
// the extension under development, opened in headless Chromium. The workbench reports the end of the run through
// window.codeAutomationExit; the suite's own output arrives through a log file this script tails.
// Exit code = number of failed tests (1 when the run crashed or timed out).
//
//   node scripts/run-suite.mjs [--workspace DIR] [--store DIR] [--extension DIR] [--env K=V]... [--grep RE]
//                              [--timeout SECONDS] [--keep]
// Without --workspace/--store it makes a temp workspace and a store seeded with the sample images.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { devUrl, repoRoot, startCodeServer } from './lib/code-server.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { makeSampleWorkspace, seedSampleStore } from './lib/samples.mjs';

const { values: opts } = parseArgs({
  options: {
    workspace: { type: 'string' },
    store: { type: 'string' },
    extension: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    grep: { type: 'string' },
    timeout: { type: 'string', default: process.env.IMAGE_LAYERS_SUITE_DEADLINE ?? '300' },
    keep: { type: 'boolean', default: false },
  },
});

const t0 = Date.now();
const secs = (t = t0) => ((Date.now() - t) / 1000).toFixed(1);
const resultsDir = path.join(repoRoot, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-layers-suite-'));
const extensionPath = path.resolve(opts.extension ?? repoRoot);
const testsPath = path.join(repoRoot, 'out', 'test', 'suite', 'index.js');
const suiteLog = path.join(work, 'suite.log');
const counts = path.join(work, 'counts.jsonl');
const workbenchLog = path.join(resultsDir, 'suite-workbench.log');
const phase = process.env.IMAGE_LAYERS_PHASE || 'suite';

function build() {
  const missing = [testsPath, path.join(extensionPath, 'dist', 'extension.js')].filter((f) => !fs.existsSync(f));
  if (missing.length === 0) return;
  console.log(`> build (missing: ${missing.map((f) => path.relative(repoRoot, f)).join(', ')})`);
  for (const args of [[path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.'], ['esbuild.mjs']]) {
    spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
  }
  const still = missing.filter((f) => !fs.existsSync(f));
  if (still.length) throw new Error(`build did not produce ${still.join(', ')}`);
}

/** Copies what the file gains to stdout, from where it was read last. */
function tail(file) {
  let offset = 0;
  const poll = () => {
    if (!fs.existsSync(file)) return;
    const size = fs.statSync(file).size;
    if (size <= offset) return;
    const buf = Buffer.alloc(size - offset);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    offset = size;
    process.stdout.write(buf);
  };
  const timer = setInterval(poll, 200);
  return () => {
    clearInterval(timer);
    poll();
  };
}

function readCounts() {
  if (!fs.existsSync(counts)) return [];
  return fs.readFileSync(counts, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const lastLines = (file, n) =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n') : '(none)';

let server;
let browser;
let failed = 1;
let passed = 0;
try {
  build();
  let storePath = opts.store ? path.resolve(opts.store) : undefined;
  /** @type {Record<string,string>} */
  let ids = {};
  if (!storePath) {
    storePath = path.join(work, 'store');
    ({ ids } = await seedSampleStore(storePath));
  }
  const workspace = opts.workspace
    ? path.resolve(opts.workspace)
    : makeSampleWorkspace(path.join(work, 'workspace'), { storePath });
  const extraEnv = Object.fromEntries(
    opts.env.map((kv) => {
      const i = kv.indexOf('=');
      if (i < 1) throw new Error(`--env wants K=V, got ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  fs.writeFileSync(workbenchLog, '');

  server = await startCodeServer({
    workspace,
    userDataDir: path.join(work, 'user-data'),
    extensionsDir: path.join(work, 'extensions'),
    smokeTestDriver: true,
    logFile: path.join(work, 'code-server.log'),
    // In the user settings too: a store path that only a workspace sets waits for the user's consent.
    settings: { 'imageLayers.storePath': storePath },
    // The extension host is forked by the server and inherits its environment.
    env: {
      IMAGE_LAYERS_COUNTS: counts,
      IMAGE_LAYERS_PHASE: phase,
      IMAGE_LAYERS_SUITE_LOG: suiteLog,
      IMAGE_LAYERS_TEST_STORE: storePath,
      IMAGE_LAYERS_TEST_WORKSPACE: workspace,
      IMAGE_LAYERS_TEST_IDS: JSON.stringify(ids),
      ...(opts.grep ? { IMAGE_LAYERS_SUITE_GREP: opts.grep } : {}),
      ...extraEnv,
    },
  });
  console.log(`code-server ${server.url} ready in ${server.startMs} ms (log: ${server.logFile})`);

  browser = await launchBrowser();
  const { page } = browser;
  const appendLog = (line) => fs.appendFileSync(workbenchLog, `${secs()} ${line}\n`);
  page.on('pageerror', (e) => appendLog(`[pageerror] ${e.message}`));
  let onExit = () => {};
  const exited = new Promise((resolve) => (onExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => onExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    appendLog(`[${type}] ${Array.isArray(args) ? args.join(' ') : String(args)}`);
  });

  const stopTail = tail(suiteLog);
  const tLoad = Date.now();
  await page.goto(devUrl({ url: server.url, workspace, extensionPath, testsPath }));
  page
    .locator('.monaco-workbench')
    .waitFor({ timeout: 60_000 })
    .then(() => console.log(`workbench shown in ${secs(tLoad)} s`))
    .catch(() => {});

  const deadlineMs = Number(opts.timeout) * 1000;
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  stopTail();
  console.log(`extension host ended ${secs(tLoad)} s after the page was opened`);

  if (outcome === 'timeout') {
    const shot = path.join(resultsDir, 'suite-timeout.png');
    await page.screenshot({ path: shot }).catch(() => {});
    const text = await page
      .locator('.notifications-toasts, .monaco-workbench .part.statusbar')
      .allInnerTexts()
      .catch(() => []);
    console.error(`\nsuite: no result after ${opts.timeout} s. Screenshot: ${path.relative(repoRoot, shot)}`);
    console.error(`page title: ${await page.title().catch(() => '?')}`);
    console.error(`notifications and status bar:\n${text.join('\n') || '(none)'}`);
    console.error(`last workbench log lines (${path.relative(repoRoot, workbenchLog)}):\n${lastLines(workbenchLog, 40)}`);
    console.error(`last code-server log lines:\n${lastLines(server.logFile, 20)}`);
  } else {
    const exitCode = outcome;
    const mine = readCounts();
    passed = mine.reduce((n, c) => n + c.passed, 0);
    failed = mine.reduce((n, c) => n + c.failed, 0);
    if (mine.length === 0 || (exitCode !== 0 && failed === 0)) {
      failed = Math.max(failed, 1);
      console.error(`\nsuite: the extension host ended with code ${exitCode} and ${mine.length ? 'no failed test' : 'no test counts'}.`);
      console.error(`last workbench log lines (${path.relative(repoRoot, workbenchLog)}):\n${lastLines(workbenchLog, 40)}`);
    }
    // Hand the counts to the orchestrator's file.
    if (process.env.IMAGE_LAYERS_COUNTS && mine.length) {
      fs.appendFileSync(process.env.IMAGE_LAYERS_COUNTS, mine.map((c) => JSON.stringify(c)).join('\n') + '\n');
    }
  }
} catch (e) {
  console.error(`suite: ${e?.name === 'InstallError' ? e.message : (e?.stack ?? e)}`);
} finally {
  const tStop = Date.now();
  await browser?.close();
  await server?.stop();
  console.log(`browser and code-server stopped in ${secs(tStop)} s`);
  if (opts.keep) console.log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
console.log(`suite: ${secs()} s in all`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(Math.min(failed, 255));
