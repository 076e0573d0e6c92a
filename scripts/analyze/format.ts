/** Readable tables for the command line (without --json). */
import { describeBasis, type AnalysisBasis, type AnalysisName, type CustomerValueResult, type FunnelResult, type PathsResult, type RetentionResult, type RfmResult, type SegmentResult } from '@privacy-analytics/core/analytics';

const SHOWN = 20;

/** What the result was computed from, on one line (the same words as the dashboard's footnote). */
export function basisLine(basis: AnalysisBasis): string {
  return `basis: ${describeBasis(basis).join(' ')}`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[], rightAlign: (column: number) => boolean = (c) => c > 0): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (rightAlign(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const count = (x: number) => x.toLocaleString('en-US');

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

function funnelSteps(steps: FunnelResult['steps']): string {
  return table(
    ['#', 'step', 'count', 'from previous', 'from first', 'avg time', 'median time'],
    steps.map((s) => [String(s.index), s.event, count(s.count), percent(s.conversionFromPrevious), percent(s.conversionFromFirst), duration(s.avgTimeToConvertSeconds), duration(s.medianTimeToConvertSeconds)]),
    (c) => c !== 1,
  );
}

function formatFunnel(result: FunnelResult): string {
  const parts = [funnelSteps(result.steps)];
  for (const group of result.breakdown ?? []) parts.push(`\nbreakdown ${group.value === null ? '(none)' : JSON.stringify(group.value)}\n${funnelSteps(group.steps)}`);
  return parts.join('\n');
}

function retentionTable(cohorts: RetentionResult['cohorts']): string {
  const periods = Math.max(0, ...cohorts.map((c) => c.values.length));
  return table(
    ['cohort', 'size', ...Array.from({ length: Math.max(0, periods - 1) }, (_, k) => `+${k + 1}`)],
    cohorts.map((c) => [c.start, count(c.size), ...c.percentages.slice(1).map((p, k) => `${percent(p)} (${c.values[k + 1]})`)]),
  );
}

function formatRetention(result: RetentionResult): string {
  const parts = [retentionTable(result.cohorts)];
  for (const group of result.breakdown ?? []) parts.push(`\nbreakdown ${group.value === null ? '(none)' : JSON.stringify(group.value)}\n${retentionTable(group.cohorts)}`);
  return parts.join('\n');
}

function formatPaths(result: PathsResult): string {
  const nodes = table(
    ['step', 'node', 'persons', 'drop-off'],
    result.nodes.map((n) => [String(n.step), n.name, count(n.persons), `${count(n.dropOff)} (${percent(n.dropOffRate)})`]),
    (c) => c !== 1,
  );
  const links = table(
    ['from', 'to', 'persons'],
    result.links.slice(0, SHOWN).map((l) => [l.source, l.target, count(l.persons)]),
    (c) => c === 2,
  );
  const paths = table(
    ['#', 'path', 'persons', 'share'],
    result.topPaths.map((p, i) => [String(i + 1), `${p.steps.join(' → ')}${p.dropped ? ' (dropped)' : ''}`, count(p.persons), percent(p.share)]),
    (c) => c !== 1,
  );
  return `${count(result.persons)} persons with the anchor event\n\nmost common paths\n${paths}\n\n${nodes}\n\ntop ${Math.min(SHOWN, result.links.length)} of ${result.links.length} links\n${links}`;
}

function formatSegment(result: SegmentResult): string {
  const lines = [`segment size ${count(result.size)} as of ${result.asOf}`];
  if (result.sizeOverTime) lines.push('', table(['as of', 'size'], result.sizeOverTime.map((p) => [p.at, count(p.size)])));
  if (result.members.length) lines.push('', `members (first ${Math.min(SHOWN, result.members.length)}):`, ...result.members.slice(0, SHOWN).map((m) => `  ${m}`));
  return lines.join('\n');
}

function formatRfm(result: RfmResult): string {
  const tiers = table(['tier', 'persons', 'revenue share'], result.tiers.map((t) => [t.tier, count(t.persons), percent(t.revenueShare)]));
  const persons = table(
    ['person', 'recency (days)', 'orders', 'revenue', 'R', 'F', 'M', 'tier'],
    result.persons.slice(0, SHOWN).map((p) => [p.person, String(p.recencyDays), String(p.frequency), p.monetary.toFixed(2), String(p.r), String(p.f), String(p.m), p.tier]),
    (c) => c > 0 && c < 7,
  );
  return `RFM as of ${result.asOf}, ${count(result.persons.length)} buyers\n\n${tiers}\n\ntop ${Math.min(SHOWN, result.persons.length)} by revenue\n${persons}`;
}

function formatCustomerValue(result: CustomerValueResult): string {
  const money = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  const share = (x: number | null) => (x === null ? '-' : percent(x));
  const origin = result.origin === 'all' ? 'online and offline' : `${result.origin} only`;
  const measures = table(
    ['measure', 'value', 'of'],
    [
      ['customers', count(result.customers), `${count(result.persons)} persons active`],
      ['orders', count(result.orders), ''],
      ['revenue', money(result.revenue), ''],
      ['average order value', money(result.aov), ''],
      ['orders per customer', result.purchaseFrequency === null ? '-' : result.purchaseFrequency.toFixed(2), ''],
      ['historical CLV (revenue / customer)', money(result.historicalClv), ''],
      ['repurchase rate (2+ orders)', share(result.repurchaseRate), `${count(result.repeatCustomers)} customers`],
      ['expected lifespan (windows)', result.expectedLifespanWindows === null ? '-' : result.expectedLifespanWindows.toFixed(2), '1 / (1 - repurchase rate)'],
      ['predictive CLV', money(result.predictiveClv), 'AOV x frequency x lifespan'],
      ['first-purchase rate', share(result.firstPurchaseRate), `${count(result.firstTimeBuyers)} first orders`],
    ],
    (c) => c === 1,
  );
  const stages = table(['lifecycle', 'persons'], result.lifecycle.map((s) => [s.stage, count(s.persons)]));
  return `customer value, ${origin}, ${result.window.from ?? 'first row'} .. ${result.window.to} (as of ${result.asOf})\n\n${measures}\n\n${stages}`;
}

export function formatResult(name: AnalysisName, result: unknown): string {
  switch (name) {
    case 'funnel':
      return formatFunnel(result as FunnelResult);
    case 'retention':
      return formatRetention(result as RetentionResult);
    case 'paths':
      return formatPaths(result as PathsResult);
    case 'segment':
      return formatSegment(result as SegmentResult);
    case 'rfm':
      return formatRfm(result as RfmResult);
    case 'customer-value':
      return formatCustomerValue(result as CustomerValueResult);
  }
}
