import type { TableInfo } from '../engine/data-engine';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { readEventNames, readPropertyNames, type EventCatalog, type EventName, type PropertyName } from '@privacy-analytics/core/analytics';
import { errorMessage } from './errors';
import { mark } from '../engine/timeline';

/** An engine that keeps the catalogs of the last tables in this browser (DataEngine.savedCatalog). */
type KeepsCatalog = QueryEngine & {
  savedCatalog(key: string): Promise<EventCatalog | null>;
  saveCatalog(key: string, catalog: EventCatalog): Promise<void>;
};
const keepsCatalog = (engine: QueryEngine): engine is KeepsCatalog => typeof (engine as Partial<KeepsCatalog>).savedCatalog === 'function';

/**
 * The pickers' lists for the loaded data, read again whenever a different table is loaded. The engine keeps the lists
 * of the last tables read in this browser: on a revisit over the same table (rows and time span) they show at once,
 * with no query.
 */
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

  /**
   * Reads the catalog unless it is already read for this table (rows and time span identify a load): the events
   * first, which a view's starter waits for (one statement), then the properties (a sample of the JSON text), which
   * only the pickers show.
   */
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
    const failed = (error: unknown) => {
      if (this.#loadedFor !== key) return;
      this.#loadedFor = null;
      this.#error = `could not list the events: ${errorMessage(error)}`;
    };
    const engine = this.#engine;
    const read = () =>
      readEventNames(engine).then((events) => {
        mark('page: event names read');
        if (this.#loadedFor !== key) return;
        this.#events = events;
        this.#error = null;
        void readPropertyNames(engine).then((properties) => {
          if (this.#loadedFor !== key) return;
          this.#properties = properties;
          if (keepsCatalog(engine)) void engine.saveCatalog(key, { events, properties }).catch(() => undefined);
        }, failed);
      }, failed);
    // kept from an earlier visit over the same table (the same rows and time span: a sync that adds, erases or
    // drops events changes them): shown, and a starter made from it, without asking DuckDB. Read again 5 s later, it
    // queued before the footnote of a 10M-event funnel the view had just run.
    const saved = keepsCatalog(engine) ? engine.savedCatalog(key).catch(() => null) : Promise.resolve(null);
    this.#pending = saved.then((catalog) => {
      if (!catalog || this.#loadedFor !== key) return read();
      mark('page: event catalog kept from an earlier visit');
      this.#events = catalog.events;
      this.#properties = catalog.properties;
      this.#error = null;
    });
    return this.#pending;
  }
}
