/**
 * Runs `task` over `items` with at most `limit()` in flight, yielding each result as soon as it is ready; a slot
 * frees only when its result has been consumed, so fast downloads cannot pile up in memory ahead of DuckDB. The
 * first tasks start at the call, not at the first iteration; a limit that grows is filled up at each result.
 */
export function mapConcurrently<T, R>(items: readonly T[], limit: () => number, signal: AbortSignal, task: (item: T) => Promise<R>): AsyncGenerator<R> {
  const inFlight = new Map<number, Promise<{ index: number; result: R }>>();
  let next = 0;
  const start = (index: number) => {
    const running = task(items[index]!).then((result) => ({ index, result }));
    running.catch(() => undefined); // a task that fails before it is awaited is not an unhandled rejection
    inFlight.set(index, running);
  };
  const topUp = () => {
    while (next < items.length && inFlight.size < limit() && !signal.aborted) start(next++);
  };
  topUp();
  return (async function* () {
    while (inFlight.size > 0) {
      if (signal.aborted) return;
      const { index, result } = await Promise.race(inFlight.values());
      inFlight.delete(index);
      yield result;
      topUp();
    }
  })();
}
