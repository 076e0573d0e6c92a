import type { EdgeConnection } from '../../engine/data-engine';
import { EdgeRequestError } from '../../engine/errors';
import { EdgeAdmin, type AlertRuleBody, type AlertRuleInfo, type AlertRuleTest } from '../../edge/edge-admin';
import { errorMessage } from '../errors';

/** `live`: 5-minute counters of the edge; `funnel`: a step's rate from two event counters; `ad`: imported ad reports, judged per day. */
export type MetricKind = 'live' | 'funnel' | 'ad';
export const RULE_METRICS = [
  { value: 'conversion_rate', label: 'Conversion rate (conversions per visit)', filterable: true, kind: 'live' },
  { value: 'conversions', label: 'Conversions', filterable: true, kind: 'live' },
  { value: 'visits', label: 'Visits', filterable: true, kind: 'live' },
  { value: 'revenue', label: 'Revenue', filterable: true, kind: 'live' },
  { value: 'funnel_rate', label: 'Funnel step rate (events B per event A)', filterable: true, kind: 'funnel' },
  { value: 'impressions', label: 'Ad impressions (imported reports, daily)', filterable: true, kind: 'ad' },
  { value: 'clicks', label: 'Ad clicks (imported reports, daily)', filterable: true, kind: 'ad' },
  { value: 'ctr', label: 'Ad CTR (imported reports, daily)', filterable: true, kind: 'ad' },
  { value: 'spend', label: 'Ad spend (imported reports, daily)', filterable: true, kind: 'ad' },
  { value: 'events', label: 'Events', filterable: false, kind: 'live' },
  { value: 'persons', label: 'Persons', filterable: false, kind: 'live' },
  { value: 'flush_lag', label: 'Flush lag (seconds)', filterable: false, kind: 'live' },
] as const satisfies readonly { value: string; label: string; filterable: boolean; kind: MetricKind }[];
export const FILTER_DIMENSIONS = ['utm_campaign', 'utm_source', 'utm_medium', 'channel'] as const;
/** Ad reports have a campaign and a platform column (the edge also reads utm_campaign / utm_source / channel as those). */
export const AD_FILTER_DIMENSIONS = ['campaign', 'platform'] as const;
/** Suggestions for an ad filter: the live counters' values of the dimension the site tags it with. */
export const AD_SUGGESTIONS_FROM: Record<(typeof AD_FILTER_DIMENSIONS)[number], (typeof FILTER_DIMENSIONS)[number]> = { campaign: 'utm_campaign', platform: 'utm_source' };
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number] | (typeof AD_FILTER_DIMENSIONS)[number];

export function metricKind(metric: string): MetricKind {
  return RULE_METRICS.find((m) => m.value === metric)?.kind ?? 'live';
}

/** The filter dimensions a metric takes (none when it is counted site-wide only). */
export function dimensionsFor(metric: string): readonly FilterDimension[] {
  if (!(RULE_METRICS.find((m) => m.value === metric)?.filterable ?? false)) return [];
  return metricKind(metric) === 'ad' ? AD_FILTER_DIMENSIONS : FILTER_DIMENSIONS;
}

/** Rates are shown in percent. */
export function isRateMetric(metric: string): boolean {
  return metric === 'conversion_rate' || metric === 'funnel_rate' || metric === 'ctr';
}

/** The rule form's fields as the inputs hold them. */
export interface RuleForm {
  name: string;
  metric: string;
  dimension: '' | FilterDimension;
  value: string;
  funnelFrom: string;
  funnelTo: string;
  windowMinutes: number;
  direction: 'drop' | 'spike' | 'both';
  k: number;
  minRelativeChangePercent: number;
  webhookUrl: string;
}

export function emptyForm(): RuleForm {
  return { name: '', metric: 'conversion_rate', dimension: 'utm_campaign', value: '', funnelFrom: '', funnelTo: '', windowMinutes: 5, direction: 'drop', k: 3.5, minRelativeChangePercent: 20, webhookUrl: '' };
}

export function formOf(rule: AlertRuleInfo): RuleForm {
  const filter = /^(\w+) = (.+)$/.exec(rule.filter ?? '');
  return {
    name: rule.name,
    metric: rule.metric,
    dimension: (filter?.[1] as RuleForm['dimension']) ?? '',
    value: filter?.[2] ?? '',
    funnelFrom: rule.funnel?.from ?? '',
    funnelTo: rule.funnel?.to ?? '',
    windowMinutes: rule.windowMinutes,
    direction: rule.direction as RuleForm['direction'],
    k: rule.threshold.k,
    minRelativeChangePercent: Math.round(rule.threshold.minRelativeChange * 100),
    webhookUrl: rule.webhookUrl ?? '',
  };
}

export function bodyOf(form: RuleForm): AlertRuleBody {
  const kind = metricKind(form.metric);
  const body: AlertRuleBody = { metric: form.metric, webhookUrl: form.webhookUrl.trim() };
  // ad metrics are daily: the edge judges the latest imported day
  if (kind !== 'ad') body.windowMinutes = Number(form.windowMinutes);
  if (form.name.trim()) body.name = form.name.trim();
  if (form.dimension && (dimensionsFor(form.metric) as readonly string[]).includes(form.dimension) && form.value.trim()) body.filter = `${form.dimension} = ${form.value.trim()}`;
  if (kind === 'funnel') body.funnel = { from: form.funnelFrom.trim(), to: form.funnelTo.trim() };
  if (form.metric !== 'flush_lag') {
    body.direction = form.direction;
    body.threshold = { k: Number(form.k), minRelativeChange: Number(form.minRelativeChangePercent) / 100 };
  }
  return body;
}

/** The edge's refusal as sentences: each field's problem when it named them, else its message. */
export function readableError(error: unknown): string {
  if (error instanceof EdgeRequestError && Array.isArray(error.body?.issues)) {
    const issues = error.body.issues as { path: string; message: string }[];
    if (issues.length > 0) return issues.map((i) => `${i.path || 'rule'}: ${i.message}`).join('; ');
  }
  if (error instanceof EdgeRequestError && typeof error.body?.message === 'string') return error.body.message;
  return errorMessage(error);
}

/** Creating, editing, muting, testing and deleting alert rules from the Alerts view (admin tokens). */
export class AlertRuleEditor {
  #form = $state<RuleForm>(emptyForm());
  #editing = $state<string | null>(null);
  #busy = $state(false);
  #error = $state<string | null>(null);
  #notice = $state<string | null>(null);
  #test = $state<AlertRuleTest | null>(null);
  #dimensions = $state<Record<string, string[]>>({});

  get form(): RuleForm {
    return this.#form;
  }
  get editing(): string | null {
    return this.#editing;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get error(): string | null {
    return this.#error;
  }
  get notice(): string | null {
    return this.#notice;
  }
  get test(): AlertRuleTest | null {
    return this.#test;
  }
  get dimensions(): Record<string, string[]> {
    return this.#dimensions;
  }

  edit(rule: AlertRuleInfo): void {
    this.#form = formOf(rule);
    this.#editing = rule.id;
    this.#error = null;
  }

  reset(): void {
    this.#form = emptyForm();
    this.#editing = null;
    this.#error = null;
  }

  async loadDimensions(connection: EdgeConnection): Promise<void> {
    this.#dimensions = await new EdgeAdmin(connection).alertDimensions().catch(() => ({}));
  }

  /** Creates or saves the rule in the form; true when the edge accepted it. */
  async save(connection: EdgeConnection): Promise<boolean> {
    return this.#act(async (admin) => {
      const body = bodyOf(this.#form);
      const rule = this.#editing ? await admin.updateAlertRule(this.#editing, body) : await admin.createAlertRule(body);
      this.#notice = `${this.#editing ? 'Saved' : 'Created'} rule "${rule.name}".`;
      this.reset();
    }, connection);
  }

  async mute(connection: EdgeConnection, rule: AlertRuleInfo, hours: number | null): Promise<boolean> {
    return this.#act(async (admin) => {
      const until = hours === null ? null : new Date(Date.now() + hours * 3_600_000).toISOString();
      await admin.muteAlertRule(rule.id, until);
      this.#notice = until ? `Muted "${rule.name}" until ${until.slice(0, 16).replace('T', ' ')} UTC.` : `Unmuted "${rule.name}".`;
    }, connection);
  }

  async runTest(connection: EdgeConnection, rule: AlertRuleInfo, webhook: boolean): Promise<boolean> {
    return this.#act(async (admin) => {
      this.#test = await admin.testAlertRule(rule.id, webhook);
      const t = this.#test;
      const verdict = t.wouldFire ? `would fire (${t.outcome})` : `would not fire (${t.outcome.replace('_', ' ')})`;
      const hook = t.webhook ? (t.webhook.ok ? ` Test webhook delivered (HTTP ${t.webhook.status}).` : ` Test webhook failed: ${t.webhook.error ?? `HTTP ${t.webhook.status}`}.`) : '';
      this.#notice = `"${rule.name}" on ${t.window.from.slice(11, 16)}–${t.window.to.slice(11, 16)} UTC: ${verdict}.${hook}`;
    }, connection);
  }

  async remove(connection: EdgeConnection, rule: AlertRuleInfo): Promise<boolean> {
    return this.#act(async (admin) => {
      await admin.deleteAlertRule(rule.id);
      this.#notice = `Deleted rule "${rule.name}".`;
      if (this.#editing === rule.id) this.reset();
    }, connection);
  }

  async #act(task: (admin: EdgeAdmin) => Promise<void>, connection: EdgeConnection): Promise<boolean> {
    this.#busy = true;
    this.#error = null;
    this.#notice = null;
    try {
      await task(new EdgeAdmin(connection));
      return true;
    } catch (error) {
      this.#error = readableError(error);
      return false;
    } finally {
      this.#busy = false;
    }
  }
}
