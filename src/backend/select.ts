// Chooses the backend from the settings: a registered backend by id, or `auto`: the probes in order (an engine),
// the first that answers, else the fallback (the built-in store).
import { BackendError, userMessage, type ImageBackend } from './backend';
import { backendFactories, backendFactory, type BackendSettings } from './backends';

export type { BackendSettings } from './backends';

/** `auto` or a registered backend's id: the `imageLayers.backend` setting. */
export type BackendChoice = string;

/** The `auto` choice as the Switch Backend pick and the setting describe it. */
export const AUTO_CHOICE = { id: 'auto', label: 'Auto', description: 'the engine when one answers, else the built-in store' } as const;

export interface OpenedBackend {
  backend: ImageBackend;
  /** Why `auto` fell back to the built-in store, in a sentence; undefined when it did not. */
  fallbackReason?: string;
}

export async function openBackend(settings: BackendSettings): Promise<OpenedBackend> {
  const chosen = backendFactory(settings.backend);
  if (chosen) return { backend: chosen.open(settings) };
  // `auto`, and any value no backend is registered for (a setting from a newer version).
  let reason: string | undefined;
  for (const probe of backendFactories().filter((f) => f.auto === 'probe')) {
    const backend = probe.open(settings, { probe: true });
    try {
      await backend.ping();
      return { backend };
    } catch (e) {
      backend.dispose();
      reason ??= userMessage(e, 'No container engine answered.');
    }
  }
  const fallback = backendFactories().find((f) => f.auto === 'fallback');
  if (!fallback) throw new BackendError('unreachable', reason ?? 'No backend is registered.');
  return { backend: fallback.open(settings), fallbackReason: reason ?? 'No container engine answered.' };
}
