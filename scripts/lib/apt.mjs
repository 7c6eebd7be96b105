// Installs the Debian packages that the tests, `npm start` and the benchmarks need (a fresh machine has none).
// Only packages whose binary is missing are installed, so a prepared machine pays nothing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withInstallLock } from './install-lock.mjs';

// dpkg is the machine's, whichever checkout or cache folder asks: one lock for the machine.
const APT_LOCK = path.join(os.tmpdir(), 'image-layers-apt.lock');

/** The engines and tools the project runs, as {bin, pkg} pairs for ensureDebianPackages. */
export const ENGINE_PACKAGES = [
  { bin: 'dockerd', pkg: 'docker.io' },
  { bin: 'podman', pkg: 'podman' },
  { bin: 'docker-registry', pkg: 'docker-registry' },
];

/** True when `bin` is an executable file in one of PATH's folders (plus the sbin folders root's PATH may lack). */
export function onPath(bin) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, bin), fs.constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const output = [];
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    child.on('error', (e) => reject(new Error(`${cmd} could not start: ${e.message}`)));
    child.on('close', (code) => {
      const text = Buffer.concat(output).toString('utf8');
      if (code === 0) resolve(text);
      else {
        const tail = text.split('\n').slice(-30).join('\n');
        reject(new Error(`\`${cmd} ${args.join(' ')}\` failed with exit code ${code}:\n${tail}`));
      }
    });
  });
}

/**
 * For each {bin, pkg} whose binary is not on PATH, runs `apt-get update` once and installs the missing packages
 * with `apt-get install -y --no-install-recommends`. Throws, with apt's output, when that fails.
 * @param {{bin: string, pkg: string}[]} pkgs
 * @returns {Promise<string[]>} the packages that were installed
 */
export async function ensureDebianPackages(pkgs) {
  if (pkgs.every((p) => onPath(p.bin))) return [];
  // Two runs at once would both call apt-get, and the second would fail on dpkg's lock: the second waits, then
  // finds what the first installed.
  return withInstallLock(APT_LOCK, 'Debian packages', () => installMissing(pkgs));
}

async function installMissing(pkgs) {
  const missing = [...new Set(pkgs.filter((p) => !onPath(p.bin)).map((p) => p.pkg))];
  if (missing.length === 0) return [];
  if (!onPath('apt-get')) {
    throw new Error(`These packages are needed and apt-get is not available to install them: ${missing.join(', ')}`);
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  process.stderr.write(`apt: installing ${missing.join(', ')}\n`);
  await run('apt-get', ['update'], env);
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], env);
  const still = pkgs.filter((p) => missing.includes(p.pkg) && !onPath(p.bin));
  if (still.length > 0) {
    throw new Error(`apt-get installed ${missing.join(', ')} but these are still not on PATH: ${still.map((p) => p.bin).join(', ')}`);
  }
  return missing;
}
