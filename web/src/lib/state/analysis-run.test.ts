import { describe, expect, it, vi } from 'vitest';
import { AnalysisRun } from './analysis-run.svelte.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('AnalysisRun', () => {
  it('keeps the newest result when an older run finishes last, and cancels the older queries', async () => {
    const engine = { cancelQuery: vi.fn(async () => undefined) };
    const run = new AnalysisRun<string>(engine);
    const slow = deferred<string>();
    const first = run.run(() => slow.promise);
    expect(run.running).toBe(true);
    const second = run.run(async () => 'new');
    await second;
    expect(engine.cancelQuery).toHaveBeenCalledTimes(1);
    slow.resolve('old');
    await first;
    expect(run.result).toBe('new');
    expect(run.status).toBe('done');
  });

  it('drops a superseded failure and reports the current one with its message', async () => {
    const run = new AnalysisRun<number>({ cancelQuery: async () => undefined });
    const slow = deferred<number>();
    const first = run.run(() => slow.promise);
    const second = run.run(async () => {
      throw new Error('steps: at least 2');
    });
    slow.reject(new Error('the query was cancelled'));
    await Promise.all([first, second]);
    expect(run.status).toBe('error');
    expect(run.error).toBe('steps: at least 2');
  });

  it('cancel keeps the previous result and ignores the cancelled one', async () => {
    const engine = { cancelQuery: vi.fn(async () => undefined) };
    const run = new AnalysisRun<number>(engine);
    await run.run(async () => 1);
    const slow = deferred<number>();
    const pending = run.run(() => slow.promise);
    await run.cancel();
    slow.resolve(2);
    await pending;
    expect(engine.cancelQuery).toHaveBeenCalledTimes(1);
    expect(run.result).toBe(1);
    expect(run.running).toBe(false);
  });

  it('aborts the signal of a run that a newer run or cancel() supersedes', async () => {
    const run = new AnalysisRun<number>({ cancelQuery: async () => undefined });
    const signals: AbortSignal[] = [];
    const slow = deferred<number>();
    const first = run.run((signal) => {
      signals.push(signal);
      return slow.promise;
    });
    const second = run.run(async (signal) => {
      signals.push(signal);
      return 2;
    });
    await second;
    expect(signals[0]!.aborted).toBe(true);
    expect((signals[0]!.reason as Error).message).toMatch(/superseded/);
    expect(signals[1]!.aborted).toBe(false);
    slow.resolve(1);
    await first;
    const third = deferred<number>();
    const pending = run.run((signal) => {
      signals.push(signal);
      return third.promise;
    });
    await run.cancel();
    expect(signals[2]!.aborted).toBe(true);
    third.resolve(3);
    await pending;
    expect(run.result).toBe(2);
  });

  it('shows the main result before the run completes it; a newer run drops both and cancels the queries under way', async () => {
    const engine = { cancelQuery: vi.fn(async () => undefined) };
    const run = new AnalysisRun<{ steps: number; basis?: string }>(engine);
    const basis = deferred<string>();
    const first = run.run(async (_signal, show) => {
      show({ steps: 3 });
      return { steps: 3, basis: await basis.promise };
    });
    await Promise.resolve();
    expect(run.result).toEqual({ steps: 3 });
    expect(run.running).toBe(true);
    expect(run.showsPartial).toBe(true);
    basis.resolve('b');
    await first;
    expect(run.result).toEqual({ steps: 3, basis: 'b' });
    expect(run.status).toBe('done');
    expect(run.showsPartial).toBe(false);

    const late = deferred<string>();
    const second = run.run(async (_signal, show) => {
      show({ steps: 4 });
      return { steps: 4, basis: await late.promise };
    });
    await Promise.resolve();
    expect(run.result).toEqual({ steps: 4 });
    const third = run.run(async () => ({ steps: 5, basis: 'c' }));
    await third;
    expect(engine.cancelQuery).toHaveBeenCalledTimes(1);
    late.resolve('old');
    await second;
    expect(run.result).toEqual({ steps: 5, basis: 'c' });
    expect(run.showsPartial).toBe(false);
  });

  it('a failure after the main result was shown keeps it and reports the error', async () => {
    const run = new AnalysisRun<{ steps: number }>({ cancelQuery: async () => undefined });
    await run.run(async (_signal, show) => {
      show({ steps: 2 });
      throw new Error('basis query failed');
    });
    expect(run.status).toBe('error');
    expect(run.error).toMatch(/basis query failed/);
    expect(run.result).toEqual({ steps: 2 });
    expect(run.showsPartial).toBe(false);
  });
});
