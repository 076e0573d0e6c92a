import * as Comlink from 'comlink';
import type { EngineStatus } from './data-engine';
import { EngineCrashedError, installErrorTransfer } from './errors';

export interface Pingable {
  ping(): string;
}

export interface SupervisedWorkerOptions<Api> {
  /** e.g. "data worker"; used in error messages */
  label: string;
  spawn: () => Worker;
  /** Runs once the worker is up (open DuckDB, load wasm). A failure here crashes the worker. */
  init: (api: Comlink.Remote<Api>, reportFatal: (error: Error) => void) => Promise<void>;
  /** While calls are pending, a worker that does not answer a ping within this time counts as crashed. */
  unresponsiveAfterMs?: number;
}

interface Pending {
  method: string;
  reject: (error: Error) => void;
}

const PING_EVERY_MS = 5_000;

/**
 * One Web Worker behind comlink, watched: an error event, a failed init, a fatal report from inside the worker,
 * a terminate() or a worker that stops answering pings turns status to 'crashed' and rejects every pending call
 * with an EngineCrashedError (comlink alone would leave them pending forever). restart() starts a fresh worker.
 */
export class SupervisedWorker<Api extends Pingable> {
  #options: SupervisedWorkerOptions<Api>;
  #status: EngineStatus = 'starting';
  #crashError: Error | undefined;
  #listeners = new Set<(status: EngineStatus, error?: Error) => void>();
  #worker: Worker | null = null;
  #api: Comlink.Remote<Api> | null = null;
  #ready: Promise<Comlink.Remote<Api>> = Promise.reject(new Error('not started'));
  #pending = new Set<Pending>();
  #generation = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #lastAnswer = 0;

  constructor(options: SupervisedWorkerOptions<Api>) {
    installErrorTransfer();
    this.#options = options;
    this.#ready.catch(() => undefined);
  }

  get status(): EngineStatus {
    return this.#status;
  }

  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts (or restarts) the worker; resolves when init has finished. */
  start(): Promise<void> {
    this.#stopWorker();
    const generation = ++this.#generation;
    this.#crashError = undefined;
    this.#setStatus('starting');
    let worker: Worker;
    try {
      worker = this.#options.spawn();
    } catch (error) {
      this.crash(new Error(`${this.#options.label} could not be created: ${(error as Error).message}`, { cause: error }));
      return Promise.reject(this.#crashError);
    }
    this.#worker = worker;
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : '';
      const what = event.message || 'the worker script failed to load or threw an uncaught error';
      if (generation === this.#generation) this.crash(new Error(`${this.#options.label} failed: ${what}${where}`));
    });
    worker.addEventListener('messageerror', () => {
      if (generation === this.#generation) this.crash(new Error(`${this.#options.label} sent a message that could not be read`));
    });
    const api = Comlink.wrap<Api>(worker);
    this.#api = api;
    const reportFatal = (error: Error) => {
      if (generation === this.#generation) this.crash(error);
    };
    this.#ready = this.#track('init', this.#options.init(api, reportFatal)).then(() => {
      if (generation !== this.#generation) throw new EngineCrashedError(`${this.#options.label} was restarted during start-up`);
      this.#setStatus('ready');
      return api;
    });
    this.#ready.catch((error: unknown) => {
      if (generation === this.#generation && this.#status !== 'crashed') {
        this.crash(new Error(`${this.#options.label} failed to start: ${(error as Error).message}`, { cause: error }));
      }
    });
    return this.#ready.then(() => undefined);
  }

  /** Runs `fn` against the worker once it is ready; rejects with EngineCrashedError if the worker dies first. */
  async call<R>(method: string, fn: (api: Comlink.Remote<Api>) => Promise<R>): Promise<R> {
    if (this.#status === 'crashed') throw this.#crashedError(method);
    const api = await this.#ready;
    return this.#track(method, fn(api));
  }

  /** Marks the worker dead: terminate it, reject every pending call, status 'crashed'. */
  crash(reason: Error): void {
    if (this.#status === 'crashed' && this.#crashError) return;
    this.#crashError = reason;
    this.#stopWorker();
    this.#setStatus('crashed', reason);
  }

  /** Test hook: the worker disappears without any event, as when the browser kills it for memory. */
  killSilently(): void {
    this.#worker?.terminate();
  }

  /** Stops the worker for good (page teardown); pending calls reject. */
  dispose(): void {
    this.crash(new EngineCrashedError(`${this.#options.label} was disposed`));
  }

  #track<R>(method: string, promise: Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = { method, reject };
      this.#pending.add(entry);
      this.#ensureHeartbeat();
      promise.then(
        (value) => {
          this.#pending.delete(entry);
          this.#lastAnswer = Date.now();
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(entry);
          this.#lastAnswer = Date.now();
          reject(error);
        },
      );
    });
  }

  #crashedError(method: string): EngineCrashedError {
    const reason = this.#crashError?.message ?? 'unknown reason';
    return new EngineCrashedError(`${this.#options.label} crashed (${reason}); ${method}() was not completed. Restart the engine to continue.`, {
      cause: this.#crashError,
    });
  }

  #stopWorker(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    if (this.#api) this.#api[Comlink.releaseProxy]();
    this.#api = null;
    this.#worker?.terminate();
    this.#worker = null;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const entry of pending) entry.reject(this.#crashedError(entry.method));
  }

  #ensureHeartbeat(): void {
    if (this.#heartbeat || !this.#api) return;
    const api = this.#api;
    const limit = this.#options.unresponsiveAfterMs ?? 60_000;
    this.#lastAnswer = Date.now();
    this.#heartbeat = setInterval(() => {
      if (this.#pending.size === 0) {
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        this.#heartbeat = null;
        return;
      }
      if (Date.now() - this.#lastAnswer > limit) {
        this.crash(new Error(`${this.#options.label} stopped answering for ${Math.round(limit / 1000)} s (out of memory or hung)`));
        return;
      }
      (api.ping() as Promise<string>).then(
        () => (this.#lastAnswer = Date.now()),
        () => undefined,
      );
    }, Math.min(PING_EVERY_MS, limit / 2));
  }

  #setStatus(status: EngineStatus, error?: Error): void {
    this.#status = status;
    for (const listener of [...this.#listeners]) {
      try {
        listener(status, error);
      } catch (listenerError) {
        console.error('engine status listener failed', listenerError);
      }
    }
  }
}
