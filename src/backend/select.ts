// Chooses the backend from the settings: `auto` tries the engine and falls back to the built-in store.
import { BackendError, type ImageBackend } from './backend';
import { DockerBackend } from './docker';
import { BuiltinStore } from './store';

export type BackendChoice = 'auto' | 'docker' | 'builtin';

export interface BackendSettings {
  backend: BackendChoice;
  /** Folder of the built-in store. */
  storePath: string;
  /** DOCKER_HOST-style address; empty for DOCKER_HOST or the default socket. */
  dockerHost?: string;
}

export interface OpenedBackend {
  backend: ImageBackend;
  /** Why `auto` fell back to the built-in store, in a sentence; undefined when it did not. */
  fallbackReason?: string;
}

const PING_TIMEOUT_MS = 1500;

export async function openBackend(settings: BackendSettings): Promise<OpenedBackend> {
  if (settings.backend === 'builtin') return { backend: new BuiltinStore(settings.storePath) };
  const engine = new DockerBackend({ host: settings.dockerHost || undefined });
  if (settings.backend === 'docker') return { backend: engine };
  try {
    await engine.ping(AbortSignal.timeout(PING_TIMEOUT_MS));
    return { backend: engine };
  } catch (e) {
    engine.dispose();
    const reason = BackendError.is(e) ? e.message : 'No container engine answered.';
    return { backend: new BuiltinStore(settings.storePath), fallbackReason: reason };
  }
}
