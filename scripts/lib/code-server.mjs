// code-server (VS Code in a browser, installed from npm) for `npm start`, the extension-host suite and the e2e
// test. Node builtins only. The server runs in a process group of its own, on loopback, and stop() ends the group.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

/** Installs code-server and Node 24 when missing (scripts/install-code-server.sh); returns where they are. */
export function ensureCodeServer() {
  const script = path.join(repoRoot, 'scripts', 'install-code-server.sh');
  let out;
  try {
    out = execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  } catch (e) {
    // The script has said what failed and what to do; a stack trace here would only bury it.
    throw new InstallError(`code-server could not be installed (scripts/install-code-server.sh exited with ${e?.status ?? e?.signal ?? 'an error'}; its output is above).`);
  }
  const last = out.trim().split('\n').pop() ?? '';
  const [node, entry] = last.split(' ');
  if (!node || !entry || !fs.existsSync(node) || !fs.existsSync(entry)) {
    throw new InstallError(`install-code-server.sh printed an unexpected line: ${JSON.stringify(last)}`);
  }
  return { node, entry };
}

/** A failed install of a tool the scripts need: its message is the whole story, shown without a stack. */
export class InstallError extends Error {
  name = 'InstallError';
}

function portIsFree(port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free TCP port on host: the first free one from `start` upwards, or any the kernel picks. */
export async function freePort({ start, host = '127.0.0.1' } = {}) {
  if (start) {
    for (let p = start; p < start + 200; p++) if (await portIsFree(p, host)) return p;
    throw new Error(`no free port in ${start}..${start + 199} on ${host}`);
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host }, () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Settings that keep the workbench quiet and predictable: no welcome page, tips, trust prompt or telemetry. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'window.restoreWindows': 'none',
};

/**
 * Writes userDataDir/User/settings.json: the quiet settings plus `extra`; `extra` also goes to Machine/settings.json,
 * since the extension host (the remote side) reads settings of scope machine(-overridable) from there only.
 */
export function writeUserSettings(userDataDir, extra = {}) {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.json');
  fs.writeFileSync(file, JSON.stringify({ ...quietSettings, ...extra }, null, 2) + '\n');
  fs.mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(extra, null, 2) + '\n');
  return file;
}

// Variables of an enclosing VS Code (its terminal) would make the server talk to that window instead.
function cleanEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k.startsWith('CODE_SERVER_')) continue;
    out[k] = v;
  }
  return out;
}

async function waitForHealthz(url, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  const why = exited ? `exited (code ${exited.code}, signal ${exited.signal})` : `no /healthz after ${timeoutMs} ms`;
  throw new Error(`code-server ${why}; last lines of ${logFile}:\n${tail}`);
}

/**
 * Builds the VSIX as `npm run package` does (production bundle, vsce) into `vsixPath` and installs it into
 * `extensionsDir` with code-server's own installer, as a user would. Returns the installed folder's name.
 */
export function installVsix(vsixPath, extensionsDir) {
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  run(process.execPath, ['esbuild.mjs', '--production']);
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', vsixPath]);
  const { node, entry } = ensureCodeServer();
  fs.mkdirSync(extensionsDir, { recursive: true });
  const out = run(node, [entry, '--extensions-dir', extensionsDir, '--install-extension', vsixPath]);
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`.toLowerCase();
  const installed = fs.readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(`${id}-`));
  if (!installed) throw new Error(`code-server did not install ${vsixPath}:\n${out}`);
  return installed;
}

/**
 * Starts code-server on loopback in its own process group and resolves once /healthz answers.
 * @param {{ workspace?: string, userDataDir: string, extensionsDir: string, env?: Record<string,string>,
 *   port?: number, host?: string, smokeTestDriver?: boolean, settings?: Record<string, unknown>,
 *   logFile?: string, args?: string[], timeoutMs?: number, workspaceTrust?: boolean }} opts
 * `workspaceTrust`: VS Code's workspace trust on, with no prompt, so the folder opens in Restricted Mode.
 * @returns {Promise<{ url: string, port: number, pid: number, logFile: string, startMs: number,
 *   exited: Promise<{ code: number | null, signal: string | null }>, stop(): Promise<void> }>}
 */
export async function startCodeServer(opts) {
  const t0 = Date.now();
  const { node, entry } = ensureCodeServer();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort({ host }));
  fs.mkdirSync(opts.userDataDir, { recursive: true });
  fs.mkdirSync(opts.extensionsDir, { recursive: true });
  writeUserSettings(
    opts.userDataDir,
    opts.workspaceTrust ? { ...opts.settings, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : opts.settings,
  );
  // Our own (empty) config file, so that ~/.config/code-server/config.yaml neither applies nor gets written.
  const config = path.join(opts.userDataDir, 'code-server.yaml');
  fs.writeFileSync(config, '');
  const logFile = opts.logFile ?? path.join(opts.userDataDir, 'code-server.log');
  const args = [
    entry,
    '--config', config,
    '--bind-addr', `${host}:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--reconnection-grace-time', '5',
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    '--ignore-last-opened',
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(opts.args ?? []),
    ...(opts.workspace ? [opts.workspace] : []),
  ];
  const log = fs.openSync(logFile, 'a');
  // detached: setsid(), so the server and every process it forks (extension host, pty host) share a group
  // that stop() can end in one kill.
  const child = spawn(node, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: cleanEnv({ ...process.env, ...(opts.env ?? {}) }),
  });
  fs.closeSync(log);
  const pid = /** @type {number} */ (child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const killGroup = (signal) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  // If this process dies without calling stop(), do not leave the server behind.
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    const gone = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
      else child.once('exit', () => resolve(undefined));
    });
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
    // The group may outlive its leader (an extension host still shutting down).
    killGroup('SIGKILL');
  };
  const url = `http://${host}:${port}/`;
  try {
    await waitForHealthz(url, child, logFile, opts.timeoutMs ?? 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, pid, logFile, startMs: Date.now() - t0, exited, stop };
}

/** A vscode-remote URI for an absolute path on the server, as the workbench at `url` names it. */
export function remoteUri(url, absPath) {
  const u = new URL(url);
  const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/');
  return `vscode-remote://${u.host}${p.startsWith('/') ? p : '/' + p}`;
}

/**
 * The workbench URL that opens `workspace` with the extension at `extensionPath` under development and,
 * when given, runs the tests at `testsPath` (the @vscode/test-electron run() contract). The workbench only
 * honours the payload when the server runs with `--vscode-option enable-smoke-test-driver`.
 */
export function devUrl({ url, workspace, extensionPath, testsPath, extensionEnvironment }) {
  const payload = [];
  if (extensionPath) payload.push(['extensionDevelopmentPath', remoteUri(url, extensionPath)]);
  if (testsPath) payload.push(['extensionTestsPath', remoteUri(url, testsPath)]);
  if (extensionEnvironment) payload.push(['extensionEnvironment', JSON.stringify(extensionEnvironment)]);
  // encodeURIComponent rather than URLSearchParams: a space must travel as %20, never as '+'.
  const q = [];
  if (workspace) q.push(`folder=${encodeURIComponent(path.resolve(workspace))}`);
  if (payload.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const u = new URL(url);
  u.search = q.length ? '?' + q.join('&') : '';
  return u.toString();
}
