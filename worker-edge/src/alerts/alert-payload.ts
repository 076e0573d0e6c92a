import type { TimeWindow } from '../buffer/counters';
import type { AlertRule } from './alert-rule';
import type { Assessment } from './seasonal-baseline';

/** The JSON body posted to a rule's webhook when an anomaly episode starts. `text` makes it a valid Slack message too. */
export interface AlertPayload {
  type: 'alert.fired' | 'alert.test';
  alertId: number;
  site: string;
  rule: Pick<AlertRule, 'id' | 'name' | 'metric' | 'windowMinutes' | 'direction' | 'baseline' | 'threshold' | 'filter' | 'funnel'>;
  metric: string;
  window: { from: string; to: string };
  value: number;
  baseline: { median: number; mad: number; values: number[]; windows: { from: string; to: string }[] };
  threshold: { lower: number; upper: number };
  relativeChange: number | null;
  direction: 'drop' | 'spike';
  message: string;
  text: string;
  firedAt: string;
}

export interface AlertFacts {
  site: string;
  rule: AlertRule;
  direction: 'drop' | 'spike';
  window: TimeWindow;
  assessment: Assessment;
  baselineWindows: TimeWindow[];
  firedAt: number;
}

export function alertMessage(facts: AlertFacts): string {
  const { rule, assessment, window } = facts;
  const verb = facts.direction === 'drop' ? 'dropped to' : 'spiked to';
  const scope = rule.filter ? ` where ${rule.filter}` : '';
  const change = assessment.relativeChange === null ? '' : ` (${assessment.relativeChange > 0 ? '+' : ''}${Math.round(assessment.relativeChange * 100)} %)`;
  return (
    `[${facts.site}] ${rule.metric}${rule.funnel ? ` ${rule.funnel.from} → ${rule.funnel.to}` : ''}${scope} per ${rule.windowMinutes} min ${verb} ${round(assessment.value)}${change} in ${clock(window.from)}–${clock(window.to)} UTC; ` +
    `the same window in ${assessment.baselineValues.length} earlier periods had a median of ${round(assessment.median ?? 0)} (MAD ${round(assessment.mad ?? 0)}). Rule: ${rule.name}`
  );
}

/** Ad-metric rules judge a whole imported day against earlier imported days. */
export function adAlertMessage(facts: AlertFacts): string {
  const { rule, assessment, window } = facts;
  const verb = facts.direction === 'drop' ? 'dropped to' : 'spiked to';
  const scope = rule.filter ? ` where ${rule.filter}` : '';
  const shown = (v: number) => (rule.metric === 'ctr' ? `${round(v * 100)} %` : String(round(v)));
  const change = assessment.relativeChange === null ? '' : ` (${assessment.relativeChange > 0 ? '+' : ''}${Math.round(assessment.relativeChange * 100)} %)`;
  return (
    `[${facts.site}] ${rule.metric}${scope} on ${new Date(window.from).toISOString().slice(0, 10)} (imported ad reports) ${verb} ${shown(assessment.value)}${change}; ` +
    `${assessment.baselineValues.length} earlier reported days had a median of ${shown(assessment.median ?? 0)}. Rule: ${rule.name}`
  );
}

export function alertPayload(alertId: number, facts: AlertFacts, message: string): AlertPayload {
  const { rule, assessment } = facts;
  return {
    type: 'alert.fired',
    alertId,
    site: facts.site,
    rule: { id: rule.id, name: rule.name, metric: rule.metric, windowMinutes: rule.windowMinutes, direction: rule.direction, baseline: rule.baseline, threshold: rule.threshold, ...(rule.filter ? { filter: rule.filter } : {}), ...(rule.funnel ? { funnel: rule.funnel } : {}) },
    metric: rule.metric,
    window: isoWindow(facts.window),
    value: assessment.value,
    baseline: { median: assessment.median ?? 0, mad: assessment.mad ?? 0, values: assessment.baselineValues, windows: facts.baselineWindows.map(isoWindow) },
    threshold: { lower: assessment.lower ?? 0, upper: assessment.upper ?? 0 },
    relativeChange: assessment.relativeChange,
    direction: facts.direction,
    message,
    text: message,
    firedAt: new Date(facts.firedAt).toISOString(),
  };
}

function isoWindow(window: TimeWindow): { from: string; to: string } {
  return { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
