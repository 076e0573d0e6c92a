import { DurableObject } from 'cloudflare:workers';
import { loadSitesConfig, runtimeSettings } from '../config/sites';
import type { Env } from '../env';
import { mentionsAny, type PersonIds } from '../lifecycle/identity-links';
import type { EventRow } from '@privacy-analytics/core/schema';
import { putEventFileWithRollup } from '../storage/event-file-store';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { eventFileKey, partitionOf, type Partition } from '@privacy-analytics/core/parquet';
import {
  counterWindows,
  countAccepted,
  createCounterTables,
  oldestBucketAt,
  personMinutes,
  personWindows,
  pruneCounters,
  readCounters,
  type CounterSeries,
  type MetricCounts,
  type TimeWindow,
} from './counters';
import { catalogOf } from '../stubs';

/** How long a messageId is remembered for deduplication. */
export const DEDUP_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export interface AppendResult {
  accepted: number;
  duplicates: number;
  /** Rows of people who asked to be erased, dropped before storage. */
  erased: number;
}

export interface PurgeResult {
  rowsRemoved: number;
  /** The id columns of the removed rows (once each): links the erasure must weigh and follow too. */
  removedIds: PersonIds[];
}

export interface FlushResult {
  files: ManifestEntry[];
  rows: number;
  remaining: number;
}

interface FlushPlan {
  flushId: number;
  maxSeq: number;
}

/**
 * The durable ingest buffer: one per site shard. An append is acknowledged only once SQLite
 * storage has committed it (the output gate holds the response until then). A flush writes
 * everything up to a recorded sequence number to R2 under keys derived from that plan, so a
 * flush retried after a crash rewrites the same objects instead of adding new ones.
 */
export class IngestBuffer extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  #flushing: Promise<FlushResult> | null = null;
  #erased: Set<string> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS buffer (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS seen_by_time ON seen (at);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS erased (hashed_id TEXT PRIMARY KEY);
    `);
    createCounterTables(this.#sql);
  }

  async append(site: string, shard: number, rows: readonly EventRow[], counts: MetricCounts = {}): Promise<AppendResult> {
    await this.#joinSite(site, shard);
    const now = Date.now();
    const erasedIds = this.#erasedIds();
    const conversionEvents = new Set(loadSitesConfig(this.env).sites.get(site)?.conversionEvents ?? []);
    const acceptedRows: EventRow[] = [];
    let accepted = 0;
    let erased = 0;
    this.ctx.storage.transactionSync(() => {
      this.#setMeta('site', site);
      this.#setMeta('shard', String(shard));
      for (const row of rows) {
        if (erasedIds.size > 0 && mentionsAny(row, erasedIds)) {
          erased++;
          continue;
        }
        const inserted = this.#sql.exec(`INSERT OR IGNORE INTO seen (event_id, at) VALUES (?, ?)`, row.event_id, now).rowsWritten;
        if (inserted === 0) continue;
        this.#sql.exec(`INSERT INTO buffer (row) VALUES (?)`, JSON.stringify(row));
        acceptedRows.push(row);
        accepted++;
      }
      const duplicates = rows.length - accepted - erased;
      countAccepted(this.#sql, now, acceptedRows, conversionEvents, {
        ...counts,
        duplicate: (counts.duplicate ?? 0) + duplicates,
        'dropped:erased': (counts['dropped:erased'] ?? 0) + erased,
      });
    });
    if (accepted > 0) await this.#scheduleFlush();
    return { accepted, duplicates: rows.length - accepted - erased, erased };
  }

  /** Drops future events of these (hashed) people at append time. */
  blockIds(ids: readonly string[]): void {
    const erased = this.#erasedIds();
    this.ctx.storage.transactionSync(() => {
      for (const id of ids) {
        this.#sql.exec(`INSERT OR IGNORE INTO erased (hashed_id) VALUES (?)`, id);
        erased.add(id);
      }
    });
  }

  /**
   * Blocks `blockIds` and deletes the buffered rows carrying any of `eraseIds` or of the blocked
   * ids. An erased id is not always blocked: an id shared with other people (see erasure-links.ts)
   * loses its rows of the moment, not its future events. Any flush that already read those rows
   * is waited for (and a flush left half-done by a crash is completed) first, so when this
   * returns every copy outside the buffer is a file registered in the catalog, where the
   * erasure will find it.
   */
  async purgeIds(eraseIds: readonly string[], blockIds: readonly string[]): Promise<PurgeResult> {
    this.blockIds(blockIds);
    for (;;) {
      if (this.#flushing) {
        await this.#flushing.catch(() => undefined);
        continue;
      }
      if (this.#getMeta('flush_plan') !== null) {
        await this.flush();
        continue;
      }
      break;
    }
    const doomedIds = new Set([...this.#erasedIds(), ...eraseIds]);
    const doomed: number[] = [];
    const removedIds = new Map<string, PersonIds>();
    for (const { seq, row } of this.#sql.exec<{ seq: number; row: string }>(`SELECT seq, row FROM buffer`)) {
      const event = JSON.parse(row) as EventRow;
      if (!mentionsAny(event, doomedIds)) continue;
      doomed.push(seq);
      const ids: PersonIds = { user_id: event.user_id, anonymous_id: event.anonymous_id, previous_id: event.previous_id };
      removedIds.set(JSON.stringify(ids), ids);
    }
    this.ctx.storage.transactionSync(() => {
      for (const seq of doomed) this.#sql.exec(`DELETE FROM buffer WHERE seq = ?`, seq);
    });
    return { rowsRemoved: doomed.length, removedIds: [...removedIds.values()] };
  }

  /** Writes everything buffered to R2 now (operators and tests; the alarm does the same). */
  async flush(): Promise<FlushResult> {
    if (!this.#flushing) {
      this.#flushing = this.#flushAll().finally(() => {
        this.#flushing = null;
      });
    }
    return this.#flushing;
  }

  bufferedRows(): number {
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM buffer`).one().n;
  }

  counters(sinceMinute: number): CounterSeries {
    return readCounters(this.#sql, sinceMinute);
  }

  /** One counter summed over each window, and where this shard's 5-minute history begins (alert evaluation). */
  counterWindows(metric: string, windows: readonly TimeWindow[]): { values: number[]; oldestBucketAt: number | null } {
    return { values: counterWindows(this.#sql, metric, windows), oldestBucketAt: oldestBucketAt(this.#sql) };
  }

  /** Each window's distinct-persons sketch (merged across shards by the caller). */
  personWindows(windows: readonly TimeWindow[]): { sketches: Uint8Array[]; oldestBucketAt: number | null } {
    return { sketches: personWindows(this.#sql, windows), oldestBucketAt: oldestBucketAt(this.#sql) };
  }

  personMinutes(sinceMinute: number): { minute: number; sketch: Uint8Array }[] {
    return personMinutes(this.#sql, sinceMinute);
  }

  override async alarm(): Promise<void> {
    const result = await this.flush();
    if (result.remaining > 0) await this.ctx.storage.setAlarm(Date.now());
  }

  async #scheduleFlush(): Promise<void> {
    const { flushIntervalMs, flushMaxRows } = runtimeSettings(this.env);
    const due = this.bufferedRows() >= flushMaxRows ? Date.now() : Date.now() + flushIntervalMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  async #flushAll(): Promise<FlushResult> {
    const { flushMaxRows } = runtimeSettings(this.env);
    const files: ManifestEntry[] = [];
    let rows = 0;
    // Bounded so one alarm never holds more than a few flushes' worth of rows in memory.
    for (let round = 0; round < 8; round++) {
      const plan = this.#currentPlan(flushMaxRows);
      if (!plan) break;
      const written = await this.#writePlan(plan);
      files.push(...written.files);
      rows += written.rows;
    }
    pruneCounters(this.#sql, Date.now());
    this.#sql.exec(`DELETE FROM seen WHERE at < ?`, Date.now() - DEDUP_WINDOW_MS);
    return { files, rows, remaining: this.bufferedRows() };
  }

  #currentPlan(maxRows: number): FlushPlan | null {
    const pending = this.#getMeta('flush_plan');
    if (pending) return JSON.parse(pending) as FlushPlan;
    const last = this.#sql
      .exec<{ seq: number }>(`SELECT seq FROM buffer ORDER BY seq LIMIT 1 OFFSET ?`, maxRows - 1)
      .toArray()[0];
    const maxSeq = last?.seq ?? this.#sql.exec<{ m: number | null }>(`SELECT MAX(seq) AS m FROM buffer`).one().m;
    if (maxSeq === null) return null;
    const flushId = Number(this.#getMeta('next_flush_id') ?? '1');
    const plan: FlushPlan = { flushId, maxSeq };
    this.ctx.storage.transactionSync(() => {
      this.#setMeta('flush_plan', JSON.stringify(plan));
      this.#setMeta('next_flush_id', String(flushId + 1));
    });
    return plan;
  }

  async #writePlan(plan: FlushPlan): Promise<{ files: ManifestEntry[]; rows: number }> {
    const site = this.#getMeta('site');
    const shard = this.#getMeta('shard');
    if (site === null || shard === null) throw new Error('IngestBuffer: flush before any append (site unknown)');
    const stored = this.#sql.exec<{ row: string }>(`SELECT row FROM buffer WHERE seq <= ? ORDER BY seq`, plan.maxSeq).toArray();
    const byPartition = new Map<string, { partition: Partition; rows: EventRow[] }>();
    for (const { row } of stored) {
      const event = JSON.parse(row) as EventRow;
      const partition = partitionOf(event.timestamp);
      const id = `${partition.date}/${partition.hour}`;
      const group = byPartition.get(id) ?? { partition, rows: [] };
      group.rows.push(event);
      byPartition.set(id, group);
    }
    const createdAt = new Date().toISOString();
    const files: ManifestEntry[] = [];
    for (const { partition, rows } of byPartition.values()) {
      rows.sort((a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : 1));
      const key = eventFileKey(site, partition, `s${shard}-f${String(plan.flushId).padStart(10, '0')}`);
      files.push(await putEventFileWithRollup(this.env.EVENTS, key, rows, createdAt));
    }
    const catalog = catalogOf(this.env, site);
    await catalog.registerFiles(files);
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(`DELETE FROM buffer WHERE seq <= ?`, plan.maxSeq);
      this.#sql.exec(`DELETE FROM meta WHERE key = 'flush_plan'`);
    });
    return { files, rows: stored.length };
  }

  #erasedIds(): Set<string> {
    this.#erased ??= new Set(this.#sql.exec<{ hashed_id: string }>(`SELECT hashed_id FROM erased`).toArray().map((r) => r.hashed_id));
    return this.#erased;
  }

  /**
   * Once per shard, before its first row: registers with the site's SiteState, so that erasure and flush reach this
   * shard even after BUFFER_SHARDS is lowered, and copies the erased ids. (Shards from before the registry, marked
   * `erased_synced` only, join on their next append.)
   */
  async #joinSite(site: string, shard: number): Promise<void> {
    if (this.#getMeta('joined_site') !== null) return;
    const ids = await catalogOf(this.env, site).joinBufferShard(shard);
    this.blockIds(ids);
    this.#setMeta('joined_site', String(Date.now()));
  }

  #getMeta(key: string): string | null {
    return this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value ?? null;
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }
}
