import type { TableInfo } from '../engine/data-engine';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { readEventCatalog, type EventName, type PropertyName } from '@privacy-analytics/core/analytics';
import { errorMessage } from './errors';

/** The pickers' lists for the loaded data, read again whenever a different table is loaded. */
export class EventCatalogState {
  #events = $state.raw<EventName[]>([]);
  #properties = $state.raw<PropertyName[]>([]);
  #error = $state<string | null>(null);
  #loadedFor: string | null = null;
  #pending: Promise<void> | null = null;
  #engine: QueryEngine;

  constructor(engine: QueryEngine) {
    this.#engine = engine;
  }

  get events(): readonly EventName[] {
    return this.#events;
  }
  get properties(): readonly PropertyName[] {
    return this.#properties;
  }
  get error(): string | null {
    return this.#error;
  }

  /** The events of `info`'s table once read (a read under way is awaited, not repeated). */
  async eventsFor(info: TableInfo | null): Promise<readonly EventName[]> {
    await this.refresh(info);
    return this.#events;
  }

  /** Reads the catalog unless it is already read for this table (rows and time span identify a load). */
  refresh(info: TableInfo | null): Promise<void> {
    const key = info && info.rows > 0 ? `${info.rows} ${info.minTime} ${info.maxTime}` : null;
    if (key === this.#loadedFor && this.#pending) return this.#pending;
    this.#loadedFor = key;
    if (key === null) {
      this.#events = [];
      this.#properties = [];
      this.#pending = Promise.resolve();
      return this.#pending;
    }
    this.#pending = readEventCatalog(this.#engine).then(
      (catalog) => {
        if (this.#loadedFor !== key) return;
        this.#events = catalog.events;
        this.#properties = catalog.properties;
        this.#error = null;
      },
      (error: unknown) => {
        if (this.#loadedFor !== key) return;
        this.#loadedFor = null;
        this.#error = `could not list the events: ${errorMessage(error)}`;
      },
    );
    return this.#pending;
  }
}
