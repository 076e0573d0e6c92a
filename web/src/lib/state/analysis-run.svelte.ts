import { errorMessage } from './errors';

export type RunStatus = 'idle' | 'running' | 'done' | 'error';

/** What an analysis run needs from the engine: a way to stop the queries it already sent. */
export interface Cancellable {
  cancelQuery(): Promise<void>;
}

/**
 * One analysis panel's run state: the latest result, its error, how long it took. The newest request wins: starting
 * a run while one is going cancels the older one's queries and its result (or failure) is dropped, so a slow old
 * answer can never overwrite a newer one. `cancel()` stops the running one and keeps the previous result.
 */
export class AnalysisRun<Result> {
  #status = $state<RunStatus>('idle');
  #result = $state.raw<Result | null>(null);
  #error = $state<string | null>(null);
  #elapsedMs = $state<number | null>(null);
  #controller: AbortController | null = null;
  #engine: Cancellable;

  constructor(engine: Cancellable) {
    this.#engine = engine;
  }

  get status(): RunStatus {
    return this.#status;
  }
  get running(): boolean {
    return this.#status === 'running';
  }
  get result(): Result | null {
    return this.#result;
  }
  get error(): string | null {
    return this.#error;
  }
  get elapsedMs(): number | null {
    return this.#elapsedMs;
  }

  /**
   * Runs `task`; resolves when it settles (never rejects: failures land in `error`). `signal` aborts when a newer run
   * or cancel() supersedes this one: a task that writes tables checks it between statements.
   */
  async run(task: (signal: AbortSignal) => Promise<Result>): Promise<void> {
    const wasRunning = this.#status === 'running';
    this.#abort('superseded by a newer run');
    // the run's controller is its identity: once aborted, a newer run or cancel() owns the state
    const controller = new AbortController();
    this.#controller = controller;
    const superseded = () => controller.signal.aborted;
    if (wasRunning) await this.#engine.cancelQuery().catch(() => undefined);
    if (superseded()) return;
    this.#status = 'running';
    this.#error = null;
    const started = performance.now();
    try {
      const result = await task(controller.signal);
      if (superseded()) return;
      this.#result = result;
      this.#elapsedMs = performance.now() - started;
      this.#status = 'done';
    } catch (error) {
      if (superseded()) return;
      this.#error = errorMessage(error);
      this.#status = 'error';
    } finally {
      if (this.#controller === controller) this.#controller = null;
    }
  }

  #abort(reason: string): void {
    this.#controller?.abort(new DOMException(`analysis ${reason}`, 'AbortError'));
    this.#controller = null;
  }

  /** Stops the running analysis; the previous result (if any) stays. */
  async cancel(): Promise<void> {
    if (this.#status !== 'running') return;
    this.#abort('cancelled');
    this.#status = this.#result === null ? 'idle' : 'done';
    await this.#engine.cancelQuery().catch(() => undefined);
  }

  clear(): void {
    this.#abort('cleared');
    this.#status = 'idle';
    this.#result = null;
    this.#error = null;
    this.#elapsedMs = null;
  }
}
