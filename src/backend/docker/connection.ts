// Where the engine is and how to reach it, decided the way the docker CLI decides: an explicit host, then an
// explicit context, then DOCKER_HOST, then DOCKER_CONTEXT / the config's currentContext, then the default socket.
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import type { DockerOptions } from 'dockerode';
import { BackendError } from '../backend';

export interface DockerTlsOptions {
  /** Verify the server's certificate against ca.pem (DOCKER_TLS_VERIFY). Default true when TLS is on. */
  verify?: boolean;
  /** Folder with ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH; default ~/.docker). */
  certPath?: string;
}

export interface DockerConnectionOptions {
  /**
   * The engine's address: a socket path, `unix:///path`, `tcp://host:port`, `ssh://user@host[:port]`,
   * `npipe:////./pipe/x`. When absent: a context, DOCKER_HOST, or /var/run/docker.sock.
   */
  host?: string;
  /** A docker context by name (as `docker context ls` shows), used when `host` is absent. */
  context?: string;
  /** TLS for tcp:// hosts; when absent, DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH decide, like the CLI. */
  tls?: DockerTlsOptions | false;
  /** The environment to read DOCKER_* from; process.env when absent (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds ping() waits for an answer before the engine counts as unreachable. Default 5000. */
  connectTimeoutMs?: number;
}

/** The options for dockerode, plus a line naming the connection for messages and `info().Endpoint`. */
export interface ResolvedConnection {
  endpoint: string;
  dockerOptions: DockerOptions;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

interface ContextEndpoint {
  host: string;
  skipTlsVerify: boolean;
  tlsDir?: string;
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/** Reads a context's endpoint from ~/.docker/contexts (meta.json, and tls/ when the context has certificates). */
function readContext(name: string, env: NodeJS.ProcessEnv): ContextEndpoint | undefined {
  if (name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  const dir = path.join(dockerConfigDir(env), 'contexts');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta', id, 'meta.json'), 'utf8'));
  } catch {
    throw new BackendError('invalid-input', `There is no docker context named "${name}".`);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) throw new BackendError('invalid-input', `The docker context "${name}" names no engine.`);
  const tlsDir = path.join(dir, 'tls', id, 'docker');
  return { host: docker.Host, skipTlsVerify: !!docker.SkipTLSVerify, tlsDir: fs.existsSync(tlsDir) ? tlsDir : undefined };
}

function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT;
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dockerConfigDir(env), 'config.json'), 'utf8')) as {
      currentContext?: string;
    };
    return config.currentContext || undefined;
  } catch {
    return undefined;
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** An https agent with the client certificates of `dir`; verification as asked. */
function tlsAgent(dir: string, verify: boolean): https.Agent {
  return new https.Agent({
    ca: readIfExists(path.join(dir, 'ca.pem')),
    cert: readIfExists(path.join(dir, 'cert.pem')),
    key: readIfExists(path.join(dir, 'key.pem')),
    rejectUnauthorized: verify,
  });
}

/** Turns a DOCKER_HOST-style address (or a bare socket path) into dockerode options. */
export function resolveConnection(options: DockerConnectionOptions = {}): ResolvedConnection {
  const env = options.env ?? process.env;
  let host = options.host?.trim() || undefined;
  let context: ContextEndpoint | undefined;
  if (!host && options.context) context = readContext(options.context, env);
  if (!host && !context && env.DOCKER_HOST) host = env.DOCKER_HOST;
  if (!host && !context) {
    const name = currentContext(env);
    if (name) context = readContext(name, env);
  }
  if (context) host = context.host;
  host ??= DEFAULT_SOCKET;
  // Every field is set (undefined where unused): docker-modem merges its own DOCKER_HOST defaults under ours,
  // and a tcp host from the environment would otherwise win over the socket asked for here.
  const base: DockerOptions = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    headers: {},
  };
  // docker-modem's own connectionTimeout runs until the first response byte, which a long `load` exceeds; the
  // timeout is applied to ping instead (DockerBackend), so the options carry none.
  const withTimeout = (o: DockerOptions): DockerOptions => o;

  if (host.startsWith('/') || host.startsWith('unix://')) {
    const socketPath = host.startsWith('unix://') ? host.slice('unix://'.length) || DEFAULT_SOCKET : host;
    return { endpoint: `unix://${socketPath}`, dockerOptions: withTimeout({ ...base, socketPath }) };
  }
  if (host.startsWith('npipe://')) {
    const socketPath = host.slice('npipe://'.length) || '//./pipe/docker_engine';
    return { endpoint: host, dockerOptions: withTimeout({ ...base, socketPath }) };
  }
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`);
  } catch {
    throw new BackendError('invalid-input', `"${host}" is not an engine address (try unix:///var/run/docker.sock or tcp://host:2376).`);
  }
  if (url.protocol === 'ssh:') {
    const username = decodeURIComponent(url.username) || os.userInfo().username;
    return {
      endpoint: `ssh://${username}@${url.hostname}${url.port ? ':' + url.port : ''}`,
      dockerOptions: withTimeout({
        ...base,
        host: url.hostname,
        port: url.port || 22,
        protocol: 'ssh',
        username,
        sshOptions: { agent: env.SSH_AUTH_SOCK },
      }),
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BackendError('invalid-input', `"${host}" uses ${url.protocol}//, which is not an engine address this extension knows.`);
  }
  // TLS as the CLI decides it: DOCKER_TLS_VERIFY turns TLS on with verification, DOCKER_TLS without.
  let tls: { verify: boolean; dir: string } | undefined;
  if (context) {
    if (context.tlsDir || context.skipTlsVerify || url.protocol === 'https:') {
      tls = { verify: !context.skipTlsVerify, dir: context.tlsDir ?? dockerConfigDir(env) };
    }
  } else if (options.tls) {
    tls = { verify: options.tls.verify ?? true, dir: options.tls.certPath ?? env.DOCKER_CERT_PATH ?? dockerConfigDir(env) };
  } else if (options.tls === undefined && (env.DOCKER_TLS_VERIFY || env.DOCKER_TLS || url.protocol === 'https:')) {
    tls = { verify: !!env.DOCKER_TLS_VERIFY, dir: env.DOCKER_CERT_PATH || dockerConfigDir(env) };
  }
  const port = url.port || (tls ? '2376' : '2375');
  const dockerOptions: DockerOptions = { ...base, host: url.hostname, port, protocol: tls ? 'https' : 'http' };
  if (tls) Object.assign(dockerOptions, { agent: tlsAgent(tls.dir, tls.verify) });
  if (url.pathname && url.pathname !== '/') Object.assign(dockerOptions, { pathPrefix: url.pathname });
  return { endpoint: `${tls ? 'https' : 'tcp'}://${url.hostname}:${port}`, dockerOptions: withTimeout(dockerOptions) };
}
