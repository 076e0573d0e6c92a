import { loadSitesConfig } from '../config/sites';
import { partitionPrefix as siteEventsPrefix } from '@privacy-analytics/core/parquet';
import { deleteDueObjects, R2_DELETE_BATCH, scheduleDeletes } from './deferred-deletes';
import { eventKeyOfRollup, rollupKeyOf } from '@privacy-analytics/core/rollups';
import type { JobContext, StepOutcome } from './job-context';
import { effectiveRetention, retentionCutoff } from './retention-policy';

/** Dates expired per step: bounded so a first run on years of data still fits in one alarm. */
const DATES_PER_STEP = 31;

export interface RetentionStepResult {
  cutoff: string;
  dates: string[];
  files: number;
  rows: number;
  bytes: number;
  strayObjects: number;
}

/**
 * Deletes date partitions older than the site's retention period. The keys go to the
 * deferred-delete table first (due now), then the catalog drops them from the manifest and
 * writes the audit entry in one transaction, then the objects are deleted. Objects under expired
 * dates that the manifest does not know (left by an interrupted job) are deleted as well.
 */
export async function runRetentionStep(ctx: JobContext): Promise<{ outcome: StepOutcome; result: RetentionStepResult | null }> {
  const site = loadSitesConfig(ctx.env).sites.get(ctx.site);
  if (!site) return { outcome: 'idle', result: null };
  const policy = effectiveRetention(site.retentionDays, await ctx.catalog.retentionOverride());
  const cutoff = retentionCutoff(ctx.now(), policy.retentionDays);
  const expiredTables = await ctx.catalog.expireImportTables(cutoff, policy.retentionDays);
  if (expiredTables.length) await ctx.env.EVENTS.delete(expiredTables);
  const expired = await ctx.catalog.datesBefore(cutoff, DATES_PER_STEP);
  const strayObjects = await deleteStrayObjects(ctx, cutoff);
  if (expired.length === 0) {
    return { outcome: strayObjects > 0 ? 'progress' : 'idle', result: strayObjects > 0 ? { cutoff, dates: [], files: 0, rows: 0, bytes: 0, strayObjects } : null };
  }
  const dates = expired.map((d) => d.date);
  const keys: string[] = [];
  for (const date of dates) keys.push(...(await ctx.catalog.filesOfDate(date)).map((f) => f.key));
  ctx.storage.transactionSync(() => scheduleDeletes(ctx.sql, keys, ctx.now(), `retention: before ${cutoff}`));
  const result: RetentionStepResult = {
    cutoff,
    dates,
    files: expired.reduce((n, d) => n + d.files, 0),
    rows: expired.reduce((n, d) => n + d.rows, 0),
    bytes: expired.reduce((n, d) => n + d.bytes, 0),
    strayObjects,
  };
  await ctx.catalog.expireFiles(keys, {
    action: 'retention.delete',
    actor: 'system',
    details: { retentionDays: policy.retentionDays, retentionSource: policy.source, ...result },
  });
  while ((await deleteDueObjects(ctx, ctx.now())) > 0);
  return { outcome: 'progress', result };
}

async function deleteStrayObjects(ctx: JobContext, cutoff: string): Promise<number> {
  const events = await deleteStrayObjectsUnder(ctx, cutoff, `${siteEventsPrefix(ctx.site)}date=`, (key) => key);
  // Rollups whose event file is not listed: left by an interrupted write or delete.
  const rollups = await deleteStrayObjectsUnder(ctx, cutoff, `${rollupKeyOf(siteEventsPrefix(ctx.site))}date=`, (key) => eventKeyOfRollup(key) ?? key);
  return events + rollups;
}

async function deleteStrayObjectsUnder(ctx: JobContext, cutoff: string, prefix: string, eventKeyOf: (key: string) => string): Promise<number> {
  const dateOf = (key: string) => key.slice(prefix.length, prefix.length + 10);
  // Keys list in date order, so the first page holds the oldest dates.
  const page = await ctx.env.EVENTS.list({ prefix, limit: R2_DELETE_BATCH });
  const expired = page.objects.map((o) => o.key).filter((key) => dateOf(key) < cutoff);
  const registered = new Set<string>();
  for (const date of new Set(expired.map(dateOf))) {
    for (const file of await ctx.catalog.filesOfDate(date)) registered.add(file.key);
  }
  const unlisted = expired.filter((key) => !registered.has(eventKeyOf(key)));
  if (unlisted.length > 0) await ctx.env.EVENTS.delete(unlisted);
  return unlisted.length;
}
