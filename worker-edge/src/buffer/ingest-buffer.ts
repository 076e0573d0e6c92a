import { DurableObject } from 'cloudflare:workers';
import { countHealth } from '../health/count-health';
import { loadSitesConfig, runtimeSettings } from '../config/sites';
import type { Env } from '../env';
import { mentionsAny, type PersonIds } from '../lifecycle/identity-links';
import type { EventRow } from '@privacy-analytics/core/schema';
import { putEventFileWithRollup, withRollupKeys } from '../storage/event-file-store';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { dayFileKey, eventFileKey, partitionOf, type Partition } from '@privacy-analytics/core/parquet';
import { DAY_MS } from '@privacy-analytics/core/time';
import { countDedupIds, createDedupCountTable, dedupBucketMs, dedupStats, dropExpiredDedupTables, prepareDedup } from './dedup-tables';
import { dimensionValues } from './dimension-counters';
import {
  addCounts,
  counterWindows,
  countAccepted,
  countThisMinute,
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
import { audiencesOf, catalogOf } from '../stubs';


export interface AppendResult {
  accepted: number;
  duplicates: number;
  /** Rows of people who asked to be erased, dropped before storage. */
  erased: number;
  /** Rows of pseudonyms whose latest `analytics` consent is a withdrawal, dropped before storage (analytics-consent.ts). */
  consentWithdrawn: number;
  /** Rows not stored because this shard had stored its share of the site's quota this minute (the caller answers 429). */
  refused: number;
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
  /** tries started (counted before each, so a try that takes the isolate down counts too) */
  attempts?: number;
  /** the keys this plan writes, recorded before its first put */
  keys?: string[];
}

/** A plan that has been tried this many times without finishing is split in two (see #splitPlan). */
export const FLUSH_SPLIT_AFTER_ATTEMPTS = 3;

/** Each shard's flush state, for /metrics and the flush-lag warning. */
export interface FlushLag {
  bufferedRows: number;
  /** when the oldest row waiting for a flush was received (null: none, or rows buffered before this was recorded) */
  oldestUnflushedAt: number | null;
  /** tries of the pending plan so far (0: none pending) */
  planAttempts: number;
}

/** Each shard's storage, for /metrics and the storage benchmark. */
export interface ShardStorage {
  /** the size of the shard's SQLite database (what a Durable Object's storage limit counts) */
  databaseBytes: number;
  dedupTables: number;
  /** event ids remembered for deduplication */
  dedupIds: number;
}

/** Seconds the shard's oldest unflushed row has waited at `now` (0 when none). */
export function unflushedSeconds(lag: FlushLag, now: number): number {
  return lag.oldestUnflushedAt === null ? 0 : Math.max(0, Math.round((now - lag.oldestUnflushedAt) / 1000));
}

/** A shard whose oldest unflushed row is older than this logs a warning on every alarm (an operator alert hook). */
export const FLUSH_LAG_WARN_MS = 5 * 60 * 1000;

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
  /** How many pseudonyms withdrew analytics consent (rows are looked up only while there are any). */
  #withdrawnCount: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS buffer (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS erased (hashed_id TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS consent_withdrawn (hashed_id TEXT PRIMARY KEY);
    `);
    const columns = new Set(this.#sql.exec<{ name: string }>(`PRAGMA table_info(buffer)`).toArray().map((c) => c.name));
    if (!columns.has('received_at')) this.#sql.exec(`ALTER TABLE buffer ADD COLUMN received_at INTEGER`);
    if (this.#getMeta('buffered_rows') === null) this.#setMeta('buffered_rows', String(this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM buffer`).one().n));
    createCounterTables(this.#sql);
    createDedupCountTable(this.#sql);
  }

  /**
   * Stores the rows not seen before. `quotaPerMinute`: this shard's share of the site's quota; once the rows it stored
   * in the current minute reach it, a whole append is refused (never split: a retried batch would be cut anew each
   * time), so a minute may end one batch over the share.
   */
  async append(site: string, shard: number, rows: readonly EventRow[], counts: MetricCounts = {}, quotaPerMinute: number | null = null, consentJudged: readonly string[] = []): Promise<AppendResult> {
    await this.#joinSite(site, shard);
    await this.#syncAnalyticsConsent(site);
    const checkConsent = this.#withdrawnTotal() > 0;
    const judged = new Set(consentJudged);
    let consentWithdrawn = 0;
    const now = Date.now();
    const erasedIds = this.#erasedIds();
    const conversionEvents = new Set(loadSitesConfig(this.env).sites.get(site)?.conversionEvents ?? []);
    const bucketMs = dedupBucketMs(runtimeSettings(this.env).dedupHorizonMs);
    const acceptedRows: EventRow[] = [];
    let accepted = 0;
    let erased = 0;
    let refused = 0;
    this.ctx.storage.transactionSync(() => {
      this.#setMeta('site', site);
      this.#setMeta('shard', String(shard));
      if (quotaPerMinute !== null && rows.length > 0 && countThisMinute(this.#sql, now, 'accepted') >= quotaPerMinute) {
        refused = rows.length;
        addCounts(this.#sql, now, { ...counts, 'refused:site_quota': refused });
        return;
      }
      const { current, seenBefore } = prepareDedup(this.#sql, now, bucketMs);
      for (const row of rows) {
        if (erasedIds.size > 0 && mentionsAny(row, erasedIds)) {
          erased++;
          continue;
        }
        if (checkConsent && !judged.has(row.event_id) && this.#withdrewAnalytics(row)) {
          consentWithdrawn++;
          continue;
        }
        if (seenBefore.some((query) => this.#sql.exec(query, row.event_id).toArray().length > 0)) continue;
        const inserted = this.#sql.exec(`INSERT OR IGNORE INTO ${current} (event_id) VALUES (?)`, row.event_id).rowsWritten;
        if (inserted === 0) continue;
        this.#sql.exec(`INSERT INTO buffer (row, received_at) VALUES (?, ?)`, JSON.stringify(row), now);
        acceptedRows.push(row);
        accepted++;
      }
      this.#countBuffered(accepted);
      countDedupIds(this.#sql, current, accepted);
      const duplicates = rows.length - accepted - erased - consentWithdrawn;
      countAccepted(this.#sql, now, acceptedRows, conversionEvents, {
        ...counts,
        duplicate: (counts.duplicate ?? 0) + duplicates,
        'dropped:erased': (counts['dropped:erased'] ?? 0) + erased,
        'dropped:consent_withdrawn': (counts['dropped:consent_withdrawn'] ?? 0) + consentWithdrawn,
      });
    });
    if (accepted > 0) await this.#scheduleFlush();
    return { accepted, duplicates: rows.length - accepted - erased - consentWithdrawn - refused, erased, consentWithdrawn, refused };
  }

  /** `withdrawn`: pseudonyms whose latest analytics record is a withdrawal; `granted`: whose latest is a grant again. */
  setAnalyticsConsent(withdrawn: readonly string[], granted: readonly string[]): void {
    this.ctx.storage.transactionSync(() => {
      for (const id of withdrawn) this.#sql.exec(`INSERT OR IGNORE INTO consent_withdrawn (hashed_id) VALUES (?)`, id);
      for (const id of granted) this.#sql.exec(`DELETE FROM consent_withdrawn WHERE hashed_id = ?`, id);
    });
    this.#withdrawnCount = null;
  }

  #withdrawnTotal(): number {
    this.#withdrawnCount ??= this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM consent_withdrawn`).one().n;
    return this.#withdrawnCount;
  }

  #withdrewAnalytics(row: PersonIds): boolean {
    for (const id of [row.user_id, row.anonymous_id, row.previous_id]) {
      if (id && this.#sql.exec(`SELECT 1 FROM consent_withdrawn WHERE hashed_id = ?`, id).toArray().length > 0) return true;
    }
    return false;
  }

  /** Once per shard: the withdrawals recorded before it kept its own set (later ones are pushed, recordConsentEverywhere). */
  async #syncAnalyticsConsent(site: string): Promise<void> {
    if (this.#getMeta('consent_synced') !== null) return;
    const withdrawn = await audiencesOf(this.env, site).analyticsWithdrawn();
    this.setAnalyticsConsent(withdrawn, []);
    this.#setMeta('consent_synced', String(Date.now()));
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
      for (const seq of doomed) this.#countBuffered(-this.#sql.exec(`DELETE FROM buffer WHERE seq = ?`, seq).rowsWritten);
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

  /** Rows waiting for a flush: a counter kept with every insert and delete (a COUNT(*) on every append scanned them all). */
  bufferedRows(): number {
    return Number(this.#getMeta('buffered_rows') ?? '0');
  }

  /** Adds `delta` to the buffered-rows counter; call inside the transaction that inserted or deleted the rows. */
  #countBuffered(delta: number): void {
    if (delta !== 0) this.#setMeta('buffered_rows', String(Math.max(0, this.bufferedRows() + delta)));
  }

  flushLag(): FlushLag {
    const oldest = this.#sql.exec<{ at: number | null }>(`SELECT received_at AS at FROM buffer ORDER BY seq LIMIT 1`).toArray()[0];
    const plan = this.#getMeta('flush_plan');
    return {
      bufferedRows: this.bufferedRows(),
      oldestUnflushedAt: oldest?.at ?? null,
      planAttempts: plan === null ? 0 : ((JSON.parse(plan) as FlushPlan).attempts ?? 0),
    };
  }

  /** What this shard keeps in its SQLite storage, for /metrics (the dedup tables are most of it). */
  storage(): ShardStorage {
    const dedup = dedupStats(this.#sql);
    return { databaseBytes: this.#sql.databaseSize, dedupTables: dedup.tables, dedupIds: dedup.ids };
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

  /** Campaign / channel / UTM values this shard counts by name since a UTC date (the rest are "(other)"). */
  dimensionValues(sinceDate: string): { dimension: string; value: string }[] {
    return dimensionValues(this.#sql, sinceDate);
  }

  personMinutes(sinceMinute: number): { minute: number; sketch: Uint8Array }[] {
    return personMinutes(this.#sql, sinceMinute);
  }

  override async alarm(): Promise<void> {
    const lag = this.flushLag();
    const waited = unflushedSeconds(lag, Date.now());
    if (waited * 1000 > FLUSH_LAG_WARN_MS) {
      console.warn(JSON.stringify({ warning: 'flush_lag', site: this.#getMeta('site'), shard: this.#getMeta('shard'), oldestUnflushedSeconds: waited, ...lag }));
    }
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
    const { flushMaxRows, flushMaxBytes } = runtimeSettings(this.env);
    const files: ManifestEntry[] = [];
    let rows = 0;
    // Bounded so one alarm never holds more than a few flushes' worth of rows in memory.
    for (let round = 0; round < 8; round++) {
      const plan = this.#currentPlan(flushMaxRows, flushMaxBytes);
      if (!plan) break;
      const written = await this.#writePlanCounted(plan);
      files.push(...written.files);
      rows += written.rows;
    }
    pruneCounters(this.#sql, Date.now());
    this.ctx.storage.transactionSync(() => {
      dropExpiredDedupTables(this.#sql, Date.now(), runtimeSettings(this.env).dedupHorizonMs);
      // the counter heals itself whenever the buffer is empty
      if (this.#sql.exec(`SELECT 1 FROM buffer LIMIT 1`).toArray().length === 0) this.#setMeta('buffered_rows', '0');
    });
    return { files, rows, remaining: this.bufferedRows() };
  }

  /**
   * The pending plan, or a new one: the oldest rows, at most `maxRows` of them and at most `maxBytes` of their JSON
   * (at least one row). Sized in bytes too because a burst of large events (long titles, 16 KB of properties each)
   * made a row-count plan too big for a 128 MB isolate, and a saved plan then failed the same way on every retry.
   */
  #currentPlan(maxRows: number, maxBytes: number): FlushPlan | null {
    const pending = this.#getMeta('flush_plan');
    if (pending) return JSON.parse(pending) as FlushPlan;
    const first = this.#sql.exec<{ seq: number }>(`SELECT seq FROM buffer ORDER BY seq LIMIT 1`).toArray()[0];
    if (!first) return null;
    const fits = this.#sql
      .exec<{ seq: number }>(
        `SELECT seq FROM (SELECT seq, SUM(length(row)) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) AS total FROM (SELECT seq, row FROM buffer ORDER BY seq LIMIT ?))
         WHERE total <= ? ORDER BY seq DESC LIMIT 1`,
        maxRows, maxBytes,
      )
      .toArray()[0];
    const maxSeq = fits?.seq ?? first.seq;
    const flushId = Number(this.#getMeta('next_flush_id') ?? '1');
    const plan: FlushPlan = { flushId, maxSeq };
    this.ctx.storage.transactionSync(() => {
      this.#setMeta('flush_plan', JSON.stringify(plan));
      this.#setMeta('next_flush_id', String(flushId + 1));
    });
    return plan;
  }

  /** Every flush attempt counts toward the site's failure rate, and so does each one that throws (it is retried). */
  async #writePlanCounted(plan: FlushPlan): Promise<{ files: ManifestEntry[]; rows: number }> {
    const site = this.#getMeta('site');
    try {
      const written = await this.#writePlan(plan);
      if (site !== null) await countHealth(this.env, site, { flushes: 1 });
      return written;
    } catch (error) {
      if (site !== null) await countHealth(this.env, site, { flushes: 1, flushes_failed: 1 });
      throw error;
    }
  }

  async #writePlan(tried: FlushPlan): Promise<{ files: ManifestEntry[]; rows: number }> {
    const site = this.#getMeta('site');
    const shard = this.#getMeta('shard');
    if (site === null || shard === null) throw new Error('IngestBuffer: flush before any append (site unknown)');
    const plan = await this.#countAttempt(tried, site);
    if (plan === null) return { files: [], rows: 0 };
    const stored = this.#sql.exec<{ row: string }>(`SELECT row FROM buffer WHERE seq <= ? ORDER BY seq`, plan.maxSeq).toArray();
    // Events of today and yesterday (UTC) go to hour-level files, older ones (a backfill, an SDK's late queue) to
    // one day-level file per date: a batch with timestamps in 2,500 different past hours used to write 2,500 files.
    const recentFrom = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    const byPartition = new Map<string, { partition: Partition; dayLevel: boolean; rows: EventRow[] }>();
    for (const { row } of stored) {
      const event = JSON.parse(row) as EventRow;
      const partition = partitionOf(event.timestamp);
      const dayLevel = partition.date < recentFrom;
      const id = dayLevel ? partition.date : `${partition.date}/${partition.hour}`;
      const group = byPartition.get(id) ?? { partition, dayLevel, rows: [] };
      group.rows.push(event);
      byPartition.set(id, group);
    }
    const createdAt = new Date().toISOString();
    const files: ManifestEntry[] = [];
    const catalog = catalogOf(this.env, site);
    const name = `s${shard}-f${String(plan.flushId).padStart(10, '0')}`;
    const keyOf = (g: { partition: Partition; dayLevel: boolean }) => (g.dayLevel ? dayFileKey(site, g.partition.date, name) : eventFileKey(site, g.partition, name));
    // A plan retried after its commit went through (the reply was lost) may find its files merged by compaction or
    // expired since: those keys are not written or listed again (their rows are in the merged file already). A first
    // try has written nothing before, so only a retry asks (registerFiles skips such keys in any case).
    const keys = [...byPartition.values()].map(keyOf);
    if (plan.keys === undefined) this.#setMeta('flush_plan', JSON.stringify({ ...plan, keys }));
    const retired = new Set((plan.attempts ?? 1) > 1 ? await catalog.retiredKeys(keys) : []);
    for (const group of byPartition.values()) {
      const { rows } = group;
      const key = keyOf(group);
      if (retired.has(key)) continue;
      rows.sort((a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : 1));
      files.push(await putEventFileWithRollup(this.env.EVENTS, key, rows, createdAt));
    }
    // ...and if one left between that check and this commit, the catalog skips it: the copy just written goes
    const skipped = await catalog.registerFiles(files);
    if (skipped.length > 0) await this.env.EVENTS.delete(withRollupKeys(skipped));
    this.ctx.storage.transactionSync(() => {
      this.#countBuffered(-this.#sql.exec(`DELETE FROM buffer WHERE seq <= ?`, plan.maxSeq).rowsWritten);
      this.#sql.exec(`DELETE FROM meta WHERE key = 'flush_plan'`);
    });
    return { files: files.filter((f) => !skipped.includes(f.key)), rows: stored.length };
  }

  /**
   * Counts a try of `plan` before it starts. A plan tried FLUSH_SPLIT_AFTER_ATTEMPTS times without finishing (each
   * failed, or took the isolate down) is split: if its catalog commit went through after all (the reply was lost),
   * its rows are done and leave the buffer (null); otherwise what it wrote is deleted and its first half becomes a
   * new plan under a new flush id, the rest going to the plans after it.
   */
  async #countAttempt(plan: FlushPlan, site: string): Promise<FlushPlan | null> {
    const attempts = (plan.attempts ?? 0) + 1;
    if (attempts <= FLUSH_SPLIT_AFTER_ATTEMPTS) {
      const counted = { ...plan, attempts };
      this.#setMeta('flush_plan', JSON.stringify(counted));
      return counted;
    }
    const catalog = catalogOf(this.env, site);
    if (plan.keys && plan.keys.length > 0) {
      const [listed, retired] = await Promise.all([catalog.listedKeys(plan.keys), catalog.retiredKeys(plan.keys)]);
      if (listed.length > 0 || retired.length > 0) {
        this.ctx.storage.transactionSync(() => {
          this.#countBuffered(-this.#sql.exec(`DELETE FROM buffer WHERE seq <= ?`, plan.maxSeq).rowsWritten);
          this.#sql.exec(`DELETE FROM meta WHERE key = 'flush_plan'`);
        });
        return null;
      }
      await this.env.EVENTS.delete(withRollupKeys(plan.keys));
    }
    const seqs = this.#sql.exec<{ seq: number }>(`SELECT seq FROM buffer WHERE seq <= ? ORDER BY seq`, plan.maxSeq).toArray().map((r) => r.seq);
    const flushId = Number(this.#getMeta('next_flush_id') ?? '1');
    const half: FlushPlan = { flushId, maxSeq: seqs.length > 1 ? seqs[Math.floor(seqs.length / 2) - 1]! : plan.maxSeq, attempts: 1 };
    this.ctx.storage.transactionSync(() => {
      this.#setMeta('flush_plan', JSON.stringify(half));
      this.#setMeta('next_flush_id', String(flushId + 1));
    });
    console.warn(JSON.stringify({ warning: 'flush_plan_split', site, shard: this.#getMeta('shard'), failedFlushId: plan.flushId, attempts: plan.attempts, rows: seqs.length, newFlushId: flushId, newRows: seqs.filter((q) => q <= half.maxSeq).length }));
    return half;
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
