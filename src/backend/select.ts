// Chooses the backend from the settings: `auto` tries the engine and falls back to the built-in store.
import { userMessage, type ImageBackend } from './backend';
import { DockerBackend } from './docker';
import { limits } from './limits';
import type { RegistryClient } from './registry/registry-client';
import { BuiltinStore } from './store';

export type BackendChoice = 'auto' | 'docker' | 'builtin';

export interface BackendSettings {
  backend: BackendChoice;
  /** Folder of the built-in store. */
  storePath: string;
  /** DOCKER_HOST-style address; empty for DOCKER_HOST or the default socket. */
  dockerHost?: string;
  /** The one registry client (and token cache) the backend shares with search, tags and hovers. */
  registry?: RegistryClient;
}

export interface OpenedBackend {
  backend: ImageBackend;
  /** Why `auto` fell back to the built-in store, in a sentence; undefined when it did not. */
  fallbackReason?: string;
}

export async function openBackend(settings: BackendSettings): Promise<OpenedBackend> {
  const { registry } = settings;
  if (settings.backend === 'builtin') return { backend: new BuiltinStore(settings.storePath, { registry }) };
  if (settings.backend === 'docker') return { backend: new DockerBackend({ host: settings.dockerHost || undefined, registry }) };
  // A short probe: an engine that does not answer at once is not waited for when the store can stand in.
  const engine = new DockerBackend({ host: settings.dockerHost || undefined, connectTimeoutMs: limits.engineProbeMs, registry });
  try {
    await engine.ping();
    return { backend: engine };
  } catch (e) {
    engine.dispose();
    const reason = userMessage(e, 'No container engine answered.');
    return { backend: new BuiltinStore(settings.storePath, { registry }), fallbackReason: reason };
  }
}
