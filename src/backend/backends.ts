// The backends by id, as vscode-containers' RuntimeManager keeps its clients: each says how it is named and how
// it opens from the settings. Adding a backend is one entry here (docs/architecture.md, *Adding a backend*).
import type { RegistryClient } from './registry/registry-client';
import type { ImageBackend } from './backend';
import { DockerBackend } from './docker';
import { limits } from './limits';
import { BuiltinStore } from './store';

export interface BackendSettings {
  /** `auto` or the id of a registered backend (the `imageLayers.backend` setting). */
  backend: string;
  /** Folder of the built-in store. */
  storePath: string;
  /** DOCKER_HOST-style address; empty for DOCKER_HOST or the default socket. */
  dockerHost?: string;
  /** A docker context by name, used when `dockerHost` is empty. */
  dockerContext?: string;
  /** The one registry client (and token cache) the backend shares with search, tags and hovers. */
  registry?: RegistryClient;
}

export interface BackendFactory {
  /** The setting's value that chooses it. */
  readonly id: string;
  /** Its name and a line about it, in the Switch Backend pick and the setting's description. */
  readonly label: string;
  readonly description: string;
  /**
   * Its part in `auto`: a `probe` is opened with short deadlines and used if it answers a ping; the `fallback`
   * is used when no probe answered.
   */
  readonly auto: 'probe' | 'fallback';
  open(settings: BackendSettings, options?: { probe?: boolean }): ImageBackend;
}

const factories = new Map<string, BackendFactory>();

/** Adds a backend; returns what takes it away again. */
export function registerBackend(factory: BackendFactory): () => void {
  if (factories.has(factory.id) || factory.id === 'auto') throw new Error(`A backend "${factory.id}" is registered already.`);
  factories.set(factory.id, factory);
  return () => factories.delete(factory.id);
}

/** Every registered backend, in the order registered (the order `auto` probes them). */
export function backendFactories(): readonly BackendFactory[] {
  return [...factories.values()];
}

export function backendFactory(id: string): BackendFactory | undefined {
  return factories.get(id);
}

registerBackend({
  id: 'docker',
  label: 'Docker or Podman engine',
  description: 'imageLayers.dockerHost, a docker context, DOCKER_HOST or the default socket',
  auto: 'probe',
  // A short probe: an engine that does not answer at once is not waited for when the store can stand in.
  open: (s, o) => new DockerBackend({ host: s.dockerHost || undefined, context: s.dockerContext || undefined, connectTimeoutMs: o?.probe ? limits.engineProbeMs : undefined, registry: s.registry }),
});

registerBackend({
  id: 'builtin',
  label: 'Built-in store',
  description: 'no engine needed',
  auto: 'fallback',
  open: (s) => new BuiltinStore(s.storePath, { registry: s.registry }),
});
