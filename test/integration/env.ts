// The services the integration tests talk to. The orchestrator (scripts/test.mjs) starts them and passes
// IMAGE_LAYERS_DOCKER_SOCKET, IMAGE_LAYERS_PODMAN_SOCKET and IMAGE_LAYERS_REGISTRY; whatever is missing is
// started here through scripts/lib/services.mjs and stopped after the run. A test that needs a service gets
// it or fails loudly: nothing is skipped.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';

export interface Services {
  dockerSocket: string;
  podmanSocket: string;
  /** host:port of the registry, e.g. 127.0.0.1:5000 */
  registry: string;
  /** A folder for this run's temp files, removed at the end. */
  tmp: string;
}

interface StartedService {
  socketPath?: string;
  addr?: string;
  stop(): Promise<void>;
}
interface ServicesModule {
  startDockerd(dir: string): Promise<StartedService>;
  startPodman(dir: string, options: { insecureRegistries: string[] }): Promise<StartedService>;
  startRegistry(dir: string, options?: { name?: string; htpasswd?: string }): Promise<StartedService>;
  ensureDebianPackages?: unknown;
}
interface AptModule {
  ensureDebianPackages(pkgs: { bin: string; pkg: string }[]): Promise<string[]>;
  ENGINE_PACKAGES: { bin: string; pkg: string }[];
}

// tsc turns import() into require() under module commonjs, and require cannot load an .mjs file.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'scripts', 'lib', 'services.mjs'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`scripts/lib/services.mjs not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

let ready: Promise<Services> | undefined;
const started: StartedService[] = [];
let tmpRoot: string | undefined;

async function start(): Promise<Services> {
  const env = process.env;
  // Socket paths must stay short (108 bytes), hence a folder right under /tmp.
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'il-it-'));
  const tmp = path.join(tmpRoot, 'work');
  fs.mkdirSync(tmp);
  let dockerSocket = env.IMAGE_LAYERS_DOCKER_SOCKET;
  let podmanSocket = env.IMAGE_LAYERS_PODMAN_SOCKET;
  let registry = env.IMAGE_LAYERS_REGISTRY;
  if (!dockerSocket || !podmanSocket || !registry) {
    const root = repoRoot();
    const lib = await servicesModule();
    const apt = (await importEsm(pathToFileURL(path.join(root, 'scripts', 'lib', 'apt.mjs')).href)) as AptModule;
    const want = new Set([!dockerSocket && 'dockerd', !podmanSocket && 'podman', !registry && 'docker-registry']);
    await apt.ensureDebianPackages(apt.ENGINE_PACKAGES.filter((p) => want.has(p.bin)));
    const dir = path.join(tmpRoot, 'services');
    process.stderr.write(`integration: starting ${[...want].filter(Boolean).join(', ')} in ${dir}\n`);
    if (!registry) {
      const r = await lib.startRegistry(dir);
      started.push(r);
      registry = r.addr as string;
    }
    const [d, p] = await Promise.all([
      dockerSocket ? undefined : lib.startDockerd(dir),
      podmanSocket ? undefined : lib.startPodman(dir, { insecureRegistries: [registry] }),
    ]);
    if (d) {
      started.push(d);
      dockerSocket = d.socketPath as string;
    }
    if (p) {
      started.push(p);
      podmanSocket = p.socketPath as string;
    }
  }
  return { dockerSocket: dockerSocket as string, podmanSocket: podmanSocket as string, registry: registry as string, tmp };
}

/** The services, started at the first call when the environment did not name them. */
export function services(): Promise<Services> {
  ready ??= start();
  return ready;
}

/** A fresh folder under this run's temp folder. */
export async function tempDir(prefix: string): Promise<string> {
  const s = await services();
  return fs.mkdtempSync(path.join(s.tmp, `${prefix}-`));
}

/**
 * One more registry, started for the caller and stopped after the run: `htpasswd` lines (`user:bcrypt-hash`)
 * make it ask for a login. Returns its host:port.
 */
export async function extraRegistry(name: string, htpasswd?: string): Promise<string> {
  const s = await services();
  const r = await (await servicesModule()).startRegistry(path.join(s.tmp, 'extra-registries'), { name, htpasswd });
  started.push(r);
  return r.addr as string;
}

/**
 * An engine of the caller's own, in `dir`, which the caller may stop and start again: started again in the same
 * folder it listens on the same socket and keeps its images. Stopped after the run if still up.
 */
export async function ownEngine(engine: EngineName, dir: string): Promise<{ socketPath: string; stop(): Promise<void> }> {
  const lib = await servicesModule();
  const e = engine === 'docker' ? await lib.startDockerd(dir) : await lib.startPodman(dir, { insecureRegistries: [] });
  started.push(e);
  return { socketPath: e.socketPath as string, stop: () => e.stop() };
}

function servicesModule(): Promise<ServicesModule> {
  return importEsm(pathToFileURL(path.join(repoRoot(), 'scripts', 'lib', 'services.mjs')).href) as Promise<ServicesModule>;
}

export type EngineName = 'docker' | 'podman';
export const ENGINES: EngineName[] = ['docker', 'podman'];

export async function socketOf(engine: EngineName): Promise<string> {
  const s = await services();
  return engine === 'docker' ? s.dockerSocket : s.podmanSocket;
}

// A root hook (this module is loaded while mocha loads the spec files): stop what was started here.
after(async function () {
  this.timeout(60_000);
  await Promise.allSettled(started.map((s) => s.stop()));
  started.length = 0;
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
});
