/**
 * Work under way, counted, and a wait until none is: DuckDbSession's checkpoint waits for the reads under way, the
 * overview table's build for the statements reading it, and the overview's charts for the overview's first answer.
 */
export class CountedWork {
  #count = 0;
  #waiting: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  /** Counts `work` while it runs. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await work();
    } finally {
      this.#end();
    }
  }

  /** Counts one until the returned release is called; releasing again does nothing. */
  hold(): () => void {
    this.#count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#end();
    };
  }

  /** Settles once nothing is counted (at once when nothing is). */
  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiting.push(resolve));
  }

  #end(): void {
    this.#count--;
    if (this.#count === 0) for (const wake of this.#waiting.splice(0)) wake();
  }
}
