/**
 * Work run one at a time, in the order asked, whether the work before it succeeded or failed. DuckDbSession runs each
 * connection's statements so (DuckDB-Wasm streams a result by fetching the next batch of whatever its connection runs
 * now: a statement started meanwhile hands the first one its batches, which then fail to decode against the first
 * one's schema: "Cannot destructure property 'length' of …", issue 17); PersonMapKeeper its swaps, checks and builds.
 */
export class InTurn {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Settles when the work asked so far has (never rejects). */
  settled(): Promise<unknown> {
    return this.#tail;
  }
}
