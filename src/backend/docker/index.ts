export { DockerBackend, type DockerBackendOptions } from './docker-backend';
export { resolveConnection, DEFAULT_SOCKET, type DockerConnectionOptions, type DockerTlsOptions } from './connection';
export type { EngineKind } from './normalise';
