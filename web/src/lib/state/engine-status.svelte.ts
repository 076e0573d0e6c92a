import type { DataEngine, EngineStatus } from '../engine/data-engine';
import { errorMessage } from './errors';

/** The data worker's health for the crash banner: status, the error it died with, and restarting it. */
export class EngineStatusState {
  #status = $state<EngineStatus>('starting');
  #error = $state<string | null>(null);
  #restarting = $state(false);
  #engine: DataEngine;

  constructor(engine: DataEngine) {
    this.#engine = engine;
    this.#status = engine.status;
    engine.onStatus((status, error) => {
      this.#status = status;
      this.#error = status === 'crashed' ? (error ? errorMessage(error) : 'the data worker stopped') : null;
    });
  }

  get status(): EngineStatus {
    return this.#status;
  }
  get crashed(): boolean {
    return this.#status === 'crashed';
  }
  get error(): string | null {
    return this.#error;
  }
  get restarting(): boolean {
    return this.#restarting;
  }

  async restart(): Promise<void> {
    this.#restarting = true;
    try {
      await this.#engine.restart();
    } catch (error) {
      this.#status = 'crashed';
      this.#error = `restart failed: ${errorMessage(error)}`;
      throw error;
    } finally {
      this.#restarting = false;
    }
  }
}
