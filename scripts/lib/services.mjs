// Starts a real dockerd, podman's Docker-compatible API and a registry v2, each in a folder of its own, on
// loopback only, in its own process group, and stops them by that group's PID. Used by scripts/test.mjs, the
// start script, the benchmarks and test/integration (when the orchestrator did not start them).
//
//   node scripts/lib/services.mjs start DIR [--no-docker] [--no-podman] [--no-registry]
// prints one JSON line of sockets and addresses, then stays up until SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_PACKAGES, ensureDebianPackages } from './apt.mjs';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
// A unix socket path longer than this fails to bind (sun_path is 108 bytes, containerd appends ".ttrpc").
const MAX_SOCKET_PATH = 100;

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function tailOf(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * A process left over from an earlier run that crashed or was killed: its PID file is still in `folder`.
 * It is ended only when its command line names that folder, so a reused PID of someone else's process is spared.
 */
async function endStaleRun(folder, pidFiles) {
  for (const file of pidFiles) {
    let pid;
    try {
      pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      // gone meanwhile
    }
    if (cmdline.includes(folder)) {
      process.stderr.write(`services: ending a stale process ${pid} (${cmdline.slice(0, 80)}…) from an earlier run\n`);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isAlive(pid) && Date.now() < deadline) await sleep(100);
      if (isAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    fs.rmSync(file, { force: true });
  }
}

/**
 * Spawns `cmd` under setsid (a process group of its own, led by the child) with output to `logFile`.
 * The returned handle's stop() signals that group by its PID and waits for it to go.
 */
function spawnService(name, cmd, args, { logFile, pidFile, env }) {
  const log = fs.openSync(logFile, 'a');
  fs.writeSync(log, `\n--- ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, {
    detached: true, // setsid(): its own session and process group
    stdio: ['ignore', log, log],
    // An `undefined` in `env` takes the variable away.
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)),
  });
  fs.closeSync(log);
  // Tests and scripts must be able to exit while a service is up; stop() is how it ends.
  child.unref();
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (e) => {
      exited = { code: null, signal: null, error: e };
      resolve(exited);
    });
  });
  if (child.pid) fs.writeFileSync(pidFile, String(child.pid));
  let stopping;
  return {
    name,
    pid: child.pid,
    exit,
    exited: () => exited,
    stop() {
      stopping ??= (async () => {
        const pgid = child.pid;
        if (!pgid) return;
        const signalGroup = (sig) => {
          try {
            process.kill(-pgid, sig);
          } catch {
            // already gone
          }
        };
        if (!exited) signalGroup('SIGTERM');
        let timer;
        const timeout = new Promise((r) => {
          timer = setTimeout(() => r('timeout'), STOP_TIMEOUT_MS);
        });
        const outcome = await Promise.race([exit, timeout]);
        clearTimeout(timer); // a pending timer would hold the caller's event loop for the whole timeout
        if (outcome === 'timeout') {
          process.stderr.write(`services: ${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it\n`);
          signalGroup('SIGKILL');
          await exit;
        }
        // The leader is gone; helpers left in its group get a moment, then SIGKILL.
        const deadline = Date.now() + 5000;
        while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
        if (groupAlive(pgid)) signalGroup('SIGKILL');
        fs.rmSync(pidFile, { force: true });
      })();
      return stopping;
    },
  };
}

function httpGet(options) {
  return new Promise((resolve) => {
    const req = http.get({ ...options, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Polls until `check` says 200, the process exits, or the timeout passes; the last two throw with the log's tail. */
async function waitReady(proc, what, check, logFile) {
  const start = Date.now();
  for (;;) {
    if ((await check()) === 200) return Date.now() - start;
    const exited = proc.exited();
    if (exited) {
      const how = exited.error ? exited.error.message : `exit code ${exited.code}, signal ${exited.signal}`;
      throw new Error(`${what} stopped before it was ready (${how}). Last lines of ${logFile}:\n${tailOf(logFile)}`);
    }
    if (Date.now() - start > READY_TIMEOUT_MS) {
      await proc.stop();
      throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS / 1000} s. Last lines of ${logFile}:\n${tailOf(logFile)}`);
    }
    await sleep(100);
  }
}

async function rmSocket(p) {
  await fsp.rm(p, { force: true });
}

/** A folder for sockets: `preferred` when its paths stay short enough, else a fresh short folder under /tmp. */
async function socketFolder(preferred, longestSuffix) {
  if (path.join(preferred, longestSuffix).length <= MAX_SOCKET_PATH) return preferred;
  return fsp.mkdtemp(path.join(os.tmpdir(), 'il-'));
}

/**
 * dockerd with the vfs driver, no networking set up, listening on a unix socket only.
 * @returns {Promise<{socketPath: string, env: Record<string,string>, logFile: string, stop(): Promise<void>}>}
 */
export async function startDockerd(dir) {
  const folder = path.resolve(dir, 'docker');
  await fsp.mkdir(folder, { recursive: true });
  const pidFile = path.join(folder, 'service.pid');
  const dockerdPid = path.join(folder, 'dockerd.pid');
  await endStaleRun(folder, [pidFile, dockerdPid]);
  const runDir = await socketFolder(folder, 'exec/containerd/containerd.sock.ttrpc');
  const execRoot = path.join(runDir, 'exec');
  const socketPath = path.join(runDir, 'docker.sock');
  await rmSocket(socketPath);
  await fsp.rm(path.join(execRoot, 'containerd', 'containerd.pid'), { force: true });
  // A config file of its own, so a machine's /etc/docker/daemon.json cannot change this engine. Experimental on
  // for `docker build --squash` (20.10 has it only there), which the layer-pairing test builds.
  const configFile = path.join(folder, 'daemon.json');
  await fsp.writeFile(configFile, '{ "experimental": true }\n');
  const logFile = path.join(folder, 'dockerd.log');
  const proc = spawnService('dockerd', 'dockerd', [
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    `--config-file=${configFile}`,
    `--host=unix://${socketPath}`,
    `--data-root=${path.join(folder, 'root')}`,
    `--exec-root=${execRoot}`,
    `--pidfile=${dockerdPid}`,
  ], { logFile, pidFile });
  await waitReady(proc, 'dockerd', () => httpGet({ socketPath, path: '/_ping' }), logFile);
  return {
    name: 'dockerd',
    socketPath,
    host: `unix://${socketPath}`,
    logFile,
    pid: proc.pid,
    env: { IMAGE_LAYERS_DOCKER_SOCKET: socketPath, DOCKER_HOST: `unix://${socketPath}` },
    async stop() {
      await proc.stop();
      await rmSocket(socketPath);
      if (runDir !== folder) await fsp.rm(runDir, { recursive: true, force: true });
    },
  };
}

/**
 * podman's Docker-compatible API (`podman system service`) with the vfs driver and cgroupfs.
 * `insecureRegistries` ("127.0.0.1:PORT") are written to a registries.conf of its own so podman pulls and pushes
 * over plain HTTP there; nothing from the machine's /etc/containers/registries.conf is used.
 * @param {string} dir
 * @param {{insecureRegistries?: string[]}} [options]
 */
export async function startPodman(dir, { insecureRegistries = [] } = {}) {
  const folder = path.resolve(dir, 'podman');
  await fsp.mkdir(folder, { recursive: true });
  const pidFile = path.join(folder, 'service.pid');
  await endStaleRun(folder, [pidFile]);
  const runDir = await socketFolder(folder, 'podman.sock');
  const socketPath = path.join(runDir, 'podman.sock');
  await rmSocket(socketPath);
  const registriesConf = path.join(folder, 'registries.conf');
  await fsp.writeFile(
    registriesConf,
    ['unqualified-search-registries = []', '']
      .concat(insecureRegistries.flatMap((r) => ['[[registry]]', `location = ${JSON.stringify(r)}`, 'insecure = true', '']))
      .join('\n'),
  );
  // Its own tmpdir: the default (/run/libpod) would be shared with any other podman on the machine. Without
  // CONTAINER_HOST (a test run exports it for the podman it started): with it, podman is a remote client.
  const logFile = path.join(folder, 'podman.log');
  const proc = spawnService('podman', 'podman', [
    `--root=${path.join(folder, 'store')}`,
    `--runroot=${path.join(folder, 'run')}`,
    `--tmpdir=${path.join(folder, 'tmp')}`,
    '--storage-driver=vfs',
    '--cgroup-manager=cgroupfs',
    '--events-backend=file',
    'system',
    'service',
    '--time=0',
    `unix://${socketPath}`,
  ], { logFile, pidFile, env: { CONTAINERS_REGISTRIES_CONF: registriesConf, CONTAINER_HOST: undefined, CONTAINER_CONNECTION: undefined } });
  await waitReady(proc, 'podman', () => httpGet({ socketPath, path: '/_ping' }), logFile);
  return {
    name: 'podman',
    socketPath,
    host: `unix://${socketPath}`,
    logFile,
    pid: proc.pid,
    env: { IMAGE_LAYERS_PODMAN_SOCKET: socketPath, CONTAINER_HOST: `unix://${socketPath}` },
    async stop() {
      await proc.stop();
      await rmSocket(socketPath);
      if (runDir !== folder) await fsp.rm(runDir, { recursive: true, force: true });
    },
  };
}

/**
 * A registry v2 on 127.0.0.1 (plain HTTP, which Docker trusts on loopback), deletes enabled.
 * @param {string} dir
 * @param {{port?: number, name?: string, htpasswd?: string}} [options] `port`: chosen beforehand (startServices
 *   does, to tell podman), else a free one; `name`: its folder under `dir` (default `registry`); `htpasswd`: lines
 *   `user:bcrypt-hash` to require a login (HTTP basic auth) for everything
 */
export async function startRegistry(dir, { port, name = 'registry', htpasswd } = {}) {
  const folder = path.resolve(dir, name);
  await fsp.mkdir(folder, { recursive: true });
  const pidFile = path.join(folder, 'service.pid');
  await endStaleRun(folder, [pidFile]);
  port ??= await freePort();
  const addr = `127.0.0.1:${port}`;
  const config = path.join(folder, 'config.yml');
  await fsp.writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(path.join(folder, 'data'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${addr}`,
      ...(htpasswd ? ['auth:', '  htpasswd:', '    realm: image-layers-tests', `    path: ${JSON.stringify(path.join(folder, 'htpasswd'))}`] : []),
      '',
    ].join('\n'),
  );
  if (htpasswd) await fsp.writeFile(path.join(folder, 'htpasswd'), `${htpasswd}\n`);
  const logFile = path.join(folder, 'registry.log');
  const proc = spawnService('registry', 'docker-registry', ['serve', config], { logFile, pidFile });
  // Up means answering /v2/: with 200, or with 401 when it asks for a login.
  const up = async () => ((await httpGet({ host: '127.0.0.1', port, path: '/v2/' })) === (htpasswd ? 401 : 200) ? 200 : 0);
  await waitReady(proc, name, up, logFile);
  return {
    name,
    addr,
    url: `http://${addr}`,
    logFile,
    pid: proc.pid,
    env: { IMAGE_LAYERS_REGISTRY: addr },
    stop: () => proc.stop(),
  };
}

/**
 * Starts the services asked for in parallel (installing missing Debian packages first). When one fails, those
 * that started are stopped again before the error is thrown.
 * @param {string} dir
 * @param {{docker?: boolean, podman?: boolean, registry?: boolean}} [which]
 */
export async function startServices(dir, { docker = true, podman = true, registry = true } = {}) {
  const wanted = { dockerd: docker, podman, 'docker-registry': registry };
  await ensureDebianPackages(ENGINE_PACKAGES.filter((p) => wanted[p.bin]));
  await fsp.mkdir(dir, { recursive: true });
  // The registry's port is chosen first so podman can be told to trust it.
  const port = registry ? await freePort() : undefined;
  const starts = {
    docker: docker ? startDockerd(dir) : undefined,
    podman: podman ? startPodman(dir, { insecureRegistries: port ? [`127.0.0.1:${port}`] : [] }) : undefined,
    registry: registry ? startRegistry(dir, { port }) : undefined,
  };
  const settled = await Promise.allSettled(Object.values(starts).filter(Boolean));
  const started = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
  if (failed.length > 0) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw new Error(failed.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\n'));
  }
  const byName = Object.fromEntries(started.map((s) => [s.name, s]));
  const result = {
    docker: byName.dockerd,
    podman: byName.podman,
    registry: byName.registry,
    env: Object.assign({}, ...started.map((s) => s.env)),
    async stopAll() {
      await Promise.allSettled(started.map((s) => s.stop()));
    },
  };
  return result;
}

async function main(argv) {
  const [command, dir, ...flags] = argv;
  if (command !== 'start' || !dir) {
    process.stderr.write('usage: node scripts/lib/services.mjs start DIR [--no-docker] [--no-podman] [--no-registry]\n');
    process.exit(2);
  }
  const services = await startServices(dir, {
    docker: !flags.includes('--no-docker'),
    podman: !flags.includes('--no-podman'),
    registry: !flags.includes('--no-registry'),
  });
  process.stdout.write(
    JSON.stringify({
      docker: services.docker?.socketPath,
      podman: services.podman?.socketPath,
      registry: services.registry?.addr,
      env: services.env,
    }) + '\n',
  );
  // Keeps the process up until a signal; the services run in their own groups and are stopped here.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const shutdown = async (sig) => {
    process.stderr.write(`services: ${sig}, stopping\n`);
    await services.stopAll();
    clearInterval(keepAlive);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
