/**
 * What the Segments view shows for one spec: runSegment's result plus the persons it was drawn from (for the
 * share) and a sample of members with every tag. All three are evaluated at the same instant.
 */
import { personEvents } from '@privacy-analytics/core/analytics';
import { PERSON_TAG_NAMES } from '@privacy-analytics/core/analytics';
import { parseSegmentSpec, resolveAsOfInstant, runSegment, segmentMembersSql, type SegmentResult, type SegmentSpecInput, type WithBasis } from '@privacy-analytics/core/analytics';
import { int, sql, timeBounds, timeCondition, timestamp } from '@privacy-analytics/core/analytics';
import type { QueryEngine, Row } from '@privacy-analytics/core/engine';

export interface SegmentReport {
  /** the spec that ran, with asOf resolved to the instant used */
  spec: SegmentSpecInput;
  result: WithBasis<SegmentResult>;
  /** persons with an event before asOf in the range: the segment's universe */
  universe: number;
  /** up to `sampleSize` members with their tags (first_seen / last_seen as ISO times) */
  sample: Row[];
}

export const SAMPLE_COLUMNS = ['person', ...PERSON_TAG_NAMES] as const;

export async function segmentReport(engine: QueryEngine, input: SegmentSpecInput, sampleSize = 50): Promise<SegmentReport> {
  const parsed = parseSegmentSpec(input);
  const asOfMs = await resolveAsOfInstant(engine, parsed.asOf);
  // An instant (not a date) so that runSegment resolves it to exactly asOfMs.
  const spec: SegmentSpecInput = { ...input, asOf: new Date(asOfMs - 1).toISOString() };
  const result = await runSegment(engine, spec);
  const universeSql = sql`SELECT count(DISTINCT person)::BIGINT AS n FROM ${personEvents(parsed.identity, ['timestamp'], { includeFlagged: parsed.includeFlagged })}
    WHERE "timestamp" < ${timestamp(asOfMs)} AND ${timeCondition(timeBounds(parsed.from, parsed.to))}`;
  const [universeRow] = await engine.query<{ n: number }>(universeSql.text, universeSql.params);
  let sample: Row[] = [];
  if (result.size > 0) {
    const sampleSql = sql`${segmentMembersSql(parseSegmentSpec(spec), asOfMs, 'tags')} ORDER BY p.person LIMIT ${int(sampleSize)}`;
    sample = (await engine.query(sampleSql.text, sampleSql.params)).map((row) => ({
      ...row,
      first_seen: isoOrNull(row.first_seen),
      last_seen: isoOrNull(row.last_seen),
      // Sums of prices carry binary noise (60.980000000000004); the table shows money, the CSV keeps the sums.
      revenue: centsOrNull(row.revenue),
      aov: centsOrNull(row.aov),
    }));
  }
  return { spec, result, universe: Number(universeRow?.n ?? 0), sample };
}

function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : new Date(Number(value)).toISOString();
}

function centsOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value) * 100) / 100;
}
