/**
 * The overview (analytics/overview.ts) computed in plain TypeScript from event rows, with exact distinct counts and
 * whole sessions: the raw figures where no SQL engine runs (the edge's tests in workerd). Checked against the SQL on
 * DuckDB in core/src/rollups/rollups.test.ts. No filters.
 */
import {
  BREAKDOWN_PANELS,
  bucketLabelUtc,
  bucketStart,
  DEFAULT_PURCHASE_EVENT,
  DEFAULT_TOP_N,
  timeBuckets,
  type BreakdownPanelId,
  type BreakdownRow,
  type OverviewResult,
  type OverviewSpec,
} from '../analytics/overview';
import type { EventRow } from '../schema/event-columns';
import { compareValues, pageHost, sessionFragments } from './rollup-rows';

const isPageView = (row: EventRow) => row.type === 'page' || row.type === 'screen';
const personOf = (row: EventRow) => row.user_id ?? row.anonymous_id;

export function overviewReference(all: readonly EventRow[], spec: OverviewSpec): OverviewResult {
  if (spec.filters.length > 0) throw new Error('overviewReference: filters are not supported');
  const purchase = spec.purchaseEvent ?? DEFAULT_PURCHASE_EVENT;
  const from = Date.parse(`${spec.from}T00:00:00Z`);
  const to = Date.parse(`${spec.to}T00:00:00Z`) + 86_400_000;
  const rows = all.filter((row) => row.timestamp >= from && row.timestamp < to);
  const persons = new Set<string>();
  const purchasers = new Set<string>();
  let orders = 0;
  let revenue = 0;
  const series = new Map<number, { events: number; pageViews: number; persons: Set<string> }>();
  for (const row of rows) {
    const person = personOf(row);
    if (person !== null) persons.add(person);
    if (row.event === purchase) {
      orders++;
      revenue += row.revenue ?? 0;
      if (person !== null) purchasers.add(person);
    }
    const start = bucketStart(row.timestamp, spec.granularity);
    let point = series.get(start);
    if (!point) series.set(start, (point = { events: 0, pageViews: 0, persons: new Set() }));
    point.events++;
    if (isPageView(row)) point.pageViews++;
    if (person !== null) point.persons.add(person);
  }
  const sessions = sessionFragments(rows);
  const bounces = sessions.filter((s) => s.views === 1 && s.tracks === 0).length;
  const seconds = sessions.reduce((n, s) => n + (s.last - s.first) / 1000, 0);

  const breakdowns = {} as Record<BreakdownPanelId, BreakdownRow[]>;
  for (const panel of BREAKDOWN_PANELS) {
    const groups = new Map<string | null, { count: number; persons: Set<string> }>();
    for (const row of rows) {
      if (panel.id === 'pages' && !isPageView(row)) continue;
      const value = row[panel.column] as string | null;
      if (panel.skipEmpty && value === null) continue;
      if (panel.id === 'referrers' && row.page_url !== null && value === pageHost(row.page_url)) continue;
      let group = groups.get(value);
      if (!group) groups.set(value, (group = { count: 0, persons: new Set() }));
      group.count++;
      const person = personOf(row);
      if (person !== null) group.persons.add(person);
    }
    const list = [...groups].map(([value, g]) => ({ value, visitors: g.persons.size, count: g.count }));
    list.sort((a, b) =>
      panel.id === 'pages'
        ? b.count - a.count || b.visitors - a.visitors || compareValues(a.value, b.value)
        : b.visitors - a.visitors || b.count - a.count || compareValues(a.value, b.value),
    );
    breakdowns[panel.id] = list.slice(0, spec.topN ?? DEFAULT_TOP_N);
  }
  const points = new Map([...series].map(([start, p]) => [bucketLabelUtc(start), { bucket: bucketLabelUtc(start), events: p.events, pageViews: p.pageViews, visitors: p.persons.size }]));
  return {
    kpis: {
      events: rows.length,
      pageViews: rows.filter(isPageView).length,
      visitors: persons.size,
      sessions: sessions.length,
      bounceRate: sessions.length ? bounces / sessions.length : null,
      avgSessionSeconds: sessions.length ? seconds / sessions.length : null,
      purchasers: purchasers.size,
      conversionRate: persons.size ? purchasers.size / persons.size : null,
      orders,
      revenue,
    },
    series: timeBuckets(spec.from, spec.to, spec.granularity).map((bucket) => points.get(bucket) ?? { bucket, events: 0, pageViews: 0, visitors: 0 }),
    breakdowns,
  };
}
