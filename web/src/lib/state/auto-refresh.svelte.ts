import { errorMessage } from './errors';
import { AUTO_REFRESH_MS } from './data-freshness';

/**
 * Re-syncs a view from the edge every `intervalMs` while the tab is visible (a hidden tab is left alone and catches up
 * as soon as it shows again), never while another load runs. Remembers when data was last brought up to date.
 */
export class AutoRefresh {
  #lastSyncAt = $state<number | null>(null);
  #error = $state<string | null>(null);
  #flushLagSeconds = $state<number | null>(null);
  #timer: ReturnType<typeof setInterval> | null = null;
  #syncing = false;
  #onVisible = () => {
    if (document.visibilityState === 'visible' && this.#due()) void this.tick();
  };
  readonly #sync: () => Promise<void>;
  readonly #busy: () => boolean;
  readonly #intervalMs: number;
  readonly #probe: () => Promise<number>;

  /** `probe`: the edge's flush lag in seconds (GET …/metrics), read on start and after each re-sync. */
  constructor(sync: () => Promise<void>, busy: () => boolean, probe: () => Promise<number>, intervalMs = AUTO_REFRESH_MS) {
    this.#sync = sync;
    this.#busy = busy;
    this.#probe = probe;
    this.#intervalMs = intervalMs;
  }

  get flushLagSeconds(): number | null {
    return this.#flushLagSeconds;
  }

  async #readLag(): Promise<void> {
    this.#flushLagSeconds = await this.#probe().catch(() => null);
  }

  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }
  get error(): string | null {
    return this.#error;
  }

  /** A load made elsewhere (the first one, a range change) brought the data up to date too. */
  markSynced(at = Date.now()): void {
    this.#lastSyncAt = at;
    this.#error = null;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), Math.min(this.#intervalMs, 15_000));
    document.addEventListener('visibilitychange', this.#onVisible);
    void this.#readLag();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    document.removeEventListener('visibilitychange', this.#onVisible);
  }

  /** One re-sync if due, visible and idle. */
  async tick(): Promise<void> {
    if (this.#syncing || document.visibilityState === 'hidden' || this.#busy() || !this.#due()) return;
    this.#syncing = true;
    try {
      await this.#sync();
      this.markSynced();
      await this.#readLag();
    } catch (error) {
      this.#error = errorMessage(error);
    } finally {
      this.#syncing = false;
    }
  }

  #due(): boolean {
    return this.#lastSyncAt === null || Date.now() - this.#lastSyncAt >= this.#intervalMs;
  }
}
