import { errorMessage } from './errors';

export type RunStatus = 'idle' | 'running' | 'done' | 'error';

/** What a run's controls show of any run, whatever its result (AnalysisRun is invariant in it: run()'s `show`). */
export type RunState = Pick<AnalysisRun<unknown>, 'status' | 'running' | 'showsPartial' | 'error' | 'elapsedMs' | 'cancel'>;

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
  /** the running run has shown its main result (show()) and is completing it (e.g. its basis) */
  #partial = $state(false);
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
  /** True while a run is under way whose main result is already shown (`result`), to be completed: not stale. */
  get showsPartial(): boolean {
    return this.#status === 'running' && this.#partial;
  }

  /**
   * Runs `task`; resolves when it settles (never rejects: failures land in `error`). `signal` aborts when a newer run
   * or cancel() supersedes this one: a task that writes tables checks it between statements. `show` publishes the
   * task's main result before the task completes it (a funnel's steps before its basis): `result` is that, the run
   * still `running` (showsPartial), and the task's own result replaces it.
   */
  async run(task: (signal: AbortSignal, show: (partial: Result) => void) => Promise<Result>): Promise<void> {
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
    this.#partial = false;
    const show = (partial: Result) => {
      if (superseded()) return;
      this.#result = partial;
      this.#partial = true;
    };
    try {
      const result = await task(controller.signal, show);
      if (superseded()) return;
      this.#partial = false;
      this.#result = result;
      this.#elapsedMs = performance.now() - started;
      this.#status = 'done';
    } catch (error) {
      if (superseded()) return;
      this.#partial = false;
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
    this.#partial = false;
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
