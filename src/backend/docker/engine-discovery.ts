// Engines this machine offers, for the "which engine?" question: the docker CLI's contexts and the sockets Docker
// and Podman listen on by default, only those that are there. Nothing is connected to; a socket that exists may
// still have no engine behind it (the Images view says so).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface DockerContextEntry {
  name: string;
  /** The context's engine address (Endpoints.docker.Host). */
  host: string;
}

export interface FoundSocket {
  /** The address, as `unix:///…`. */
  address: string;
  /** Whose default socket this is. */
  owner: string;
}

function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/** The docker CLI's contexts (~/.docker/contexts/meta/<id>/meta.json), by name; `default` is not among them. */
export function dockerContexts(env: NodeJS.ProcessEnv = process.env): DockerContextEntry[] {
  const dir = path.join(configDir(env), 'contexts', 'meta');
  let ids: string[];
  try {
    ids = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: DockerContextEntry[] = [];
  for (const id of ids) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, id, 'meta.json'), 'utf8')) as {
        Name?: unknown;
        Endpoints?: { docker?: { Host?: unknown } };
      };
      const host = meta.Endpoints?.docker?.Host;
      if (typeof meta.Name === 'string' && meta.Name && typeof host === 'string' && host) out.push({ name: meta.Name, host });
    } catch {
      // A context folder without a readable meta.json is not offered.
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Where Docker and Podman put their sockets by default, rootful and rootless. */
function socketCandidates(env: NodeJS.ProcessEnv): FoundSocket[] {
  const runtime = env.XDG_RUNTIME_DIR;
  const home = os.homedir();
  const list: FoundSocket[] = [
    { address: 'unix:///var/run/docker.sock', owner: 'Docker' },
    { address: 'unix:///run/docker.sock', owner: 'Docker' },
    ...(runtime ? [{ address: `unix://${runtime}/docker.sock`, owner: 'Docker, rootless' }] : []),
    { address: `unix://${path.join(home, '.docker', 'run', 'docker.sock')}`, owner: 'Docker Desktop' },
    { address: `unix://${path.join(home, '.docker', 'desktop', 'docker.sock')}`, owner: 'Docker Desktop' },
    { address: `unix://${path.join(home, '.colima', 'default', 'docker.sock')}`, owner: 'Colima' },
    ...(runtime ? [{ address: `unix://${runtime}/podman/podman.sock`, owner: 'Podman, rootless' }] : []),
    { address: 'unix:///run/podman/podman.sock', owner: 'Podman' },
  ];
  return list;
}

/** The default sockets that exist here (as sockets, or links to one), each once even when linked twice. */
export function engineSockets(env: NodeJS.ProcessEnv = process.env): FoundSocket[] {
  const seen = new Set<string>();
  const out: FoundSocket[] = [];
  for (const candidate of socketCandidates(env)) {
    const file = candidate.address.slice('unix://'.length);
    try {
      if (!fs.statSync(file).isSocket()) continue;
      const real = fs.realpathSync(file);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(candidate);
    } catch {
      // Not there.
    }
  }
  return out;
}
