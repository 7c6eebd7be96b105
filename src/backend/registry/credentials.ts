// Registry logins where `docker login` and `podman login` leave them, read the way the Docker CLI reads them:
// the config file's `credHelpers` entry for the registry, else its `credsStore`, else the `auths` entry (a
// base64 "user:password", or username and password fields). Files, in order: $DOCKER_CONFIG/config.json (or
// ~/.docker/config.json), then podman's $REGISTRY_AUTH_FILE (or $XDG_RUNTIME_DIR/containers/auth.json).
// Nothing is cached: a login made while the extension runs counts at the next pull or push.
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError, userMessage } from '../backend';
import type { RegistryCredentials } from './registry-client';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface CredentialSources {
  /** Auth files in the order they are asked; the first that knows the registry answers. */
  files: string[];
  /** Runs `docker-credential-NAME get` with `server` on stdin and returns its stdout. */
  runHelper?: (name: string, server: string) => Promise<string>;
}

/** Where Docker and podman keep logins, from the environment. */
export function defaultAuthFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const docker = path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
  const podman = env.REGISTRY_AUTH_FILE || (env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : undefined);
  return podman ? [docker, podman] : [docker];
}

const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** The host a config key names: `https://ghcr.io/v1/` → `ghcr.io`. */
function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

/** The name a helper, the `auths` map and the engine know the registry by (Docker Hub keeps its old index URL). */
export function serverName(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

/** The command that saves a login for `registry`, for sentences that tell the user to run it. */
export function loginCommand(registry: string): string {
  return registry === 'docker.io' || registry === '' ? 'docker login' : `docker login ${registry}`;
}

function findEntry<T>(map: Record<string, T> | undefined, registry: string): T | undefined {
  if (!map) return undefined;
  const wanted = registry === 'docker.io' ? DOCKER_HUB_KEYS.map(hostOf) : [registry.toLowerCase()];
  for (const [key, value] of Object.entries(map)) if (wanted.includes(hostOf(key))) return value;
  return undefined;
}

function fromEntry(entry: AuthEntry, file: string, registry: string): RegistryCredentials | undefined {
  // Saved beside an `auth` of "user:" with no password, when the registry answered the login with a token.
  if (entry.identitytoken) return { username: '<token>', password: '', identityToken: entry.identitytoken };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) throw new BackendError('invalid-input', `The login for ${registry} in ${file} is not a base64 "user:password".`);
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

function runDockerHelper(name: string, server: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${name}`, ['get'], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error((stderr || stdout || err.message).trim()));
      else resolve(stdout);
    });
    child.stdin?.end(server);
  });
}

async function fromHelper(sources: CredentialSources, helper: string, registry: string): Promise<RegistryCredentials | undefined> {
  let out: string;
  try {
    out = await (sources.runHelper ?? runDockerHelper)(helper, serverName(registry));
  } catch (e) {
    const msg = userMessage(e);
    // Helpers answer "credentials not found in native keychain" for a registry they do not know.
    if (/not found/i.test(msg)) return undefined;
    throw new BackendError('failed', `The credential helper docker-credential-${helper} failed for ${registry}: ${msg.slice(0, 200)}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    throw new BackendError('failed', `The credential helper docker-credential-${helper} answered something that is not JSON for ${registry}.`);
  }
  if (!parsed.Username || !parsed.Secret) return undefined;
  // A helper answers an identity token (a refresh token) with the user `<token>`, as the docker CLI reads it.
  if (parsed.Username === '<token>') return { username: parsed.Username, password: '', identityToken: parsed.Secret };
  return { username: parsed.Username, password: parsed.Secret };
}

async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined; // no such file: no logins there
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch {
    throw new BackendError('invalid-input', `${file} is not valid JSON; fix or remove it to use its registry logins.`);
  }
}

/** The login for `registry` (`docker.io`, `ghcr.io`, `host:port`), or undefined to go anonymous. */
export async function registryLogin(registry: string, sources: CredentialSources = { files: defaultAuthFiles() }): Promise<RegistryCredentials | undefined> {
  for (const file of sources.files) {
    const config = await readAuthFile(file);
    if (!config) continue;
    const helper = findEntry(config.credHelpers, registry) ?? config.credsStore;
    if (helper) {
      const found = await fromHelper(sources, helper, registry);
      if (found) return found;
    }
    const entry = findEntry(config.auths, registry);
    const found = entry && fromEntry(entry, file, registry);
    if (found) return found;
  }
  return undefined;
}
