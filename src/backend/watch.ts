// What `ImageBackend.watch` answers: a handle that says when it sees changes, and whether its source is there.
import type { BackendError, Disposable } from './backend';

/** The event source's state: open (changes arrive), or lost (the engine went away; trying again meanwhile). */
export type WatchState = { state: 'open' } | { state: 'lost'; error: BackendError };

export interface ImageWatch extends Disposable {
  /**
   * Settles once a change made from now on will be reported: the engine's stream is open, the store's log is
   * being followed. Stays pending while the engine cannot be reached.
   */
  readonly ready: Promise<void>;
}
