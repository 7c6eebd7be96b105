// A view's top-level listing that a refresh can overtake. A listing still waiting on a backend that was replaced
// (an engine that never answers) would otherwise hold the tree until its deadline: the workbench waits for the
// answer to one request before it asks again.

export class RootListing<T> {
  private current: Promise<T[]> | undefined;
  private abandon: (() => void) | undefined;
  private generation = 0;

  /** The current listing, started with `load` when there is none; `isNewest()` tells a load it still counts. */
  get(load: (isNewest: () => boolean) => Promise<T[]>): Promise<T[]> {
    if (!this.current) {
      const generation = ++this.generation;
      const isNewest = () => generation === this.generation;
      this.current = new Promise<T[]>((resolve, reject) => {
        this.abandon = () => resolve([]);
        load(isNewest).then(resolve, reject);
      });
    }
    return this.current;
  }

  /** Drops the listing: one still waiting answers nothing at once, and the next `get` loads afresh. */
  reset(): void {
    this.abandon?.();
    this.abandon = undefined;
    this.current = undefined;
    this.generation++;
  }
}
