// A view's top-level listing that a refresh can overtake. A listing still waiting on a backend that was replaced
// (an engine that never answers) would otherwise hold the tree until its deadline: the workbench waits for the
// answer to one request before it asks again. So a refresh starts the next listing at once and lets the waiting
// request answer with it.

export class RootListing<T> {
  private current: Promise<T[]> | undefined;
  /** Settles the current listing's request with another answer, while it is still waiting. */
  private overtake: ((next: Promise<T[]>) => void) | undefined;
  private load: ((isNewest: () => boolean) => Promise<T[]>) | undefined;
  private generation = 0;

  /** The current listing, started with `load` when there is none; `isNewest()` tells a load it still counts. */
  get(load: (isNewest: () => boolean) => Promise<T[]>): Promise<T[]> {
    this.load = load;
    this.current ??= this.start(load);
    return this.current;
  }

  /** Drops the listing. One still waiting answers with the next listing, started now; else the next `get` loads. */
  reset(): void {
    this.generation++;
    const overtake = this.overtake;
    this.overtake = undefined;
    this.current = undefined;
    if (overtake && this.load) {
      this.current = this.start(this.load);
      overtake(this.current);
    }
  }

  private start(load: (isNewest: () => boolean) => Promise<T[]>): Promise<T[]> {
    const generation = this.generation;
    const isNewest = () => generation === this.generation;
    let overtake: ((next: Promise<T[]>) => void) | undefined;
    const listing = new Promise<T[]>((resolve, reject) => {
      overtake = resolve;
      load(isNewest).then(resolve, reject);
    });
    this.overtake = overtake;
    // Once answered, there is nothing left to overtake.
    const done = () => {
      if (this.overtake === overtake) this.overtake = undefined;
    };
    listing.then(done, done);
    return listing;
  }
}
