import type { DataEngine } from '../engine/data-engine';
import { errorMessage } from './errors';

export interface LivePoint {
  minute: string;
  accepted: number;
}

export const LIVE_MINUTES = 30;
export const LIVE_REFRESH_MS = 5_000;

/** Events per minute over the last 30 minutes, straight from the edge's counters, polled every 5 s while started. */
export class LiveCounts {
  #points = $state<LivePoint[]>([]);
  #error = $state<string | null>(null);
  #updatedAt = $state<Date | null>(null);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #engine: DataEngine;
  #intervalMs: number;

  constructor(engine: DataEngine, intervalMs = LIVE_REFRESH_MS) {
    this.#engine = engine;
    this.#intervalMs = intervalMs;
  }

  get points(): readonly LivePoint[] {
    return this.#points;
  }
  get error(): string | null {
    return this.#error;
  }
  get updatedAt(): Date | null {
    return this.#updatedAt;
  }
  get total(): number {
    return this.#points.reduce((n, p) => n + p.accepted, 0);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#poll();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #poll(): Promise<void> {
    try {
      const points = await this.#engine.liveCounts(LIVE_MINUTES);
      if (!this.#running) return;
      this.#points = points;
      this.#error = null;
      this.#updatedAt = new Date();
    } catch (error) {
      if (this.#running) this.#error = `live counts unavailable: ${errorMessage(error)}`;
    } finally {
      if (this.#running) this.#timer = setTimeout(() => void this.#poll(), this.#intervalMs);
    }
  }
}
