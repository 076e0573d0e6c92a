import type { CacheStats, DataEngine, DateRange, FileSpan, LoadFailure, LoadProgress, LoadResult, TableInfo } from '../engine/data-engine';
import { errorMessage, isAbortError } from './errors';

export type LoadKind = 'edge' | 'cache' | 'files';

type LastLoad = { kind: 'edge'; range: DateRange } | { kind: 'files'; files: File[] };

/**
 * Getting data into the engine: from the edge (range), from the local cache only, or from files the user opened.
 * Tracks progress for the progress bar, per-file failures for retry, and a data version that views watch to re-query.
 */
export class LoadState {
  #running = $state<LoadKind | null>(null);
  #progress = $state<LoadProgress | null>(null);
  #failures = $state<LoadFailure[]>([]);
  #error = $state<string | null>(null);
  /** the last table read's failure: unlike a load's, it lasts only until a later read succeeds */
  #infoError = $state<string | null>(null);
  #infoReads = 0;
  #notice = $state<string | null>(null);
  #info = $state<TableInfo | null>(null);
  #cache = $state<CacheStats | null>(null);
  #dataVersion = $state(0);
  #fileIndex = $state.raw<FileSpan[] | null>(null);
  #controller: AbortController | null = null;
  #last: LastLoad | null = null;
  #engine: DataEngine;

  constructor(engine: DataEngine) {
    this.#engine = engine;
  }

  get running(): LoadKind | null {
    return this.#running;
  }
  get progress(): LoadProgress | null {
    return this.#progress;
  }
  get failures(): readonly LoadFailure[] {
    return this.#failures;
  }
  get error(): string | null {
    return this.#error ?? this.#infoError;
  }
  get notice(): string | null {
    return this.#notice;
  }
  get info(): TableInfo | null {
    return this.#info;
  }
  get cache(): CacheStats | null {
    return this.#cache;
  }
  /** Bumped whenever the loaded data may have changed. */
  get dataVersion(): number {
    return this.#dataVersion;
  }
  /**
   * The files of the current or last load with their row counts and time spans, when the engine sent them (a load
   * into an empty table whose every file has a known span); null once a load ends with a file missing or with another
   * row count than the index lists, as the table then does not hold what the index says.
   */
  get fileIndex(): FileSpan[] | null {
    return this.#fileIndex;
  }
  get hasData(): boolean {
    return (this.#info?.rows ?? 0) > 0;
  }

  async fromCache(range: DateRange): Promise<LoadResult | null> {
    return this.#run('cache', (engine, signal, onProgress) => engine.loadCachedOnly(range, { signal, onProgress }));
  }

  async fromEdge(range: DateRange): Promise<LoadResult | null> {
    this.#last = { kind: 'edge', range };
    return this.#run('edge', (engine, signal, onProgress) => engine.loadRange(range, { signal, onProgress }));
  }

  async fromFiles(files: File[]): Promise<LoadResult | null> {
    this.#last = { kind: 'files', files };
    return this.#run('files', (engine, signal, onProgress) => engine.loadFiles(files, { signal, onProgress }));
  }

  /**
   * Loads again what failed: the same range from the edge (cached files are not fetched again), or the failed files;
   * with no load to repeat, reads the table again.
   */
  async retry(): Promise<LoadResult | null> {
    const last = this.#last;
    if (!last) {
      await this.refreshInfo();
      return null;
    }
    if (last.kind === 'edge') return this.fromEdge(last.range);
    const failed = new Set(this.#failures.map((f) => f.key));
    const files = last.files.filter((f) => failed.has(f.name));
    return this.fromFiles(files.length ? files : last.files);
  }

  /** The engine restarted and reloaded its last data by itself: read the table again. */
  async afterRestart(): Promise<void> {
    this.#error = null;
    this.#fileIndex = null;
    await this.refreshInfo();
    this.#dataVersion++;
  }

  cancel(): void {
    this.#controller?.abort();
  }

  /** Reads the table's size and span; when reads overlap (a load's early one, its last one), the last asked wins. */
  async refreshInfo(): Promise<void> {
    const read = ++this.#infoReads;
    try {
      const info = await this.#engine.tableInfo();
      if (read !== this.#infoReads) return;
      this.#info = info;
      this.#infoError = null;
    } catch (error) {
      if (read !== this.#infoReads) return;
      this.#infoError = describeTableReadError(error);
    }
  }

  async refreshCacheStats(): Promise<void> {
    try {
      this.#cache = await this.#engine.cacheStats();
    } catch {
      this.#cache = null;
    }
  }

  /**
   * Empties the cache and the loaded table (the engine forgets the saved connection too). `then` runs before the
   * views are told (e.g. saving the connection again), so that they never ask the edge without one.
   */
  async clearLocalData(options: { then?: () => Promise<void> } = {}): Promise<void> {
    this.cancel();
    await this.#engine.clearLocalData();
    await options.then?.();
    this.#failures = [];
    this.#error = null;
    this.#progress = null;
    this.#fileIndex = null;
    this.#notice = 'Local data cleared: the cache and the loaded table are empty.';
    this.#last = null;
    await this.refreshInfo();
    await this.refreshCacheStats();
    this.#dataVersion++;
  }

  dismissError(): void {
    this.#error = null;
    this.#infoError = null;
  }

  async #run(
    kind: LoadKind,
    load: (engine: DataEngine, signal: AbortSignal, onProgress: (p: LoadProgress) => void) => Promise<LoadResult>,
  ): Promise<LoadResult | null> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = kind;
    this.#error = null;
    this.#infoError = null;
    this.#notice = null;
    this.#progress = null;
    this.#fileIndex = null;
    let result: LoadResult | null = null;
    let shownEarly = false;
    try {
      result = await load(this.#engine, controller.signal, (p) => {
        if (this.#controller !== controller) return;
        if (p.index) this.#fileIndex = p.index;
        this.#progress = p;
        // the engine published the first files of a load into an empty table: let the views draw them now
        if (!shownEarly && (p.visibleRows ?? 0) > 0) {
          shownEarly = true;
          void this.refreshInfo().then(() => {
            if (this.#controller === controller) this.#dataVersion++;
          });
        }
      });
      if (this.#controller !== controller) return result;
      this.#progress = result;
      this.#failures = result.failures;
      // the table holds less, or other, than the index says: the chart must come from the data
      // (through the getter: TypeScript takes #fileIndex for null here, unaware of the progress callback)
      const indexRows = this.fileIndex?.reduce((n, f) => n + f.rows, 0);
      if (result.cancelled || result.failures.length > 0 || (indexRows !== undefined && indexRows !== result.rows)) this.#fileIndex = null;
      if (result.cancelled) this.#notice = `Loading cancelled after ${result.filesDone} of ${result.filesTotal} files; the data loaded so far is shown.`;
    } catch (error) {
      if (this.#controller !== controller) return null;
      this.#fileIndex = null;
      if (controller.signal.aborted || isAbortError(error)) this.#notice = 'Loading cancelled.';
      else this.#error = describeLoadError(kind, error);
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        const before = tableSignature(this.#info);
        await this.refreshInfo();
        void this.refreshCacheStats();
        // a refresh that found nothing new (every file unchanged) does not make the views query again
        if (tableSignature(this.#info) !== before || this.#dataVersion === 0) this.#dataVersion++;
        // only now: views that wait for the load to end must see the new data version with it
        if (this.#controller === null) this.#running = null;
      }
    }
    return result;
  }
}

function tableSignature(info: TableInfo | null): string {
  if (!info) return '';
  return JSON.stringify([info.rows, info.minTime, info.maxTime, info.sources.map((s) => `${s.key}:${s.rows}`).sort()]);
}

function describeLoadError(kind: LoadKind, error: unknown): string {
  const message = readableReason(error) ?? 'the dashboard hit an internal error (details in the browser console)';
  if (kind === 'edge') return `Could not load from the edge: ${message}. Cached data, if any, is still shown.`;
  if (kind === 'files') return `Could not open the files: ${message}. The data loaded before is unchanged.`;
  return `Could not read the local cache: ${message}`;
}

function describeTableReadError(error: unknown): string {
  const reason = readableReason(error);
  return `The loaded data could not be read${reason ? ` (${reason})` : ''}. Retry loads it again.`;
}

/**
 * The first line of an error's message, or null for an error in the dashboard's own code (a TypeError and the like):
 * its text ("Cannot destructure property 'length' of …") tells the user nothing, so it goes to the console instead.
 * A failed fetch is a TypeError too, but says what happened.
 */
function readableReason(error: unknown): string | null {
  const internal = error instanceof Error && /^(TypeError|RangeError|ReferenceError|SyntaxError)$/.test(error.name) && !/fetch|network/i.test(error.message);
  if (!internal) return errorMessage(error).split('\n')[0]!.trim();
  console.error(error);
  return null;
}
