/** The attribution result as the view shows it: chart option, and flat rows for tables and CSV. */
import type { AttributionModel, AttributionResult } from '@privacy-analytics/core/analytics';
import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import { MODEL_LABELS } from '../../state/marketing/attribution-form';
import type { ChartOption } from '../echarts-setup';
import { chartBase, textColor } from '../chart-base';

/** Conversions per channel (x) with one bar per model (series): the models side by side. */
export function attributionChartOption(result: AttributionResult, theme: ResolvedTheme, maxChannels = 12): ChartOption {
  const channels = result.channels.slice(0, maxChannels);
  return {
    ...chartBase(theme),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, textStyle: { color: textColor(theme) } },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: channels.map((c) => c.channel), axisLabel: { interval: 0, rotate: channels.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value', name: 'conversions' },
    series: result.models.map((model) => ({
      name: MODEL_LABELS[model],
      type: 'bar',
      barMaxWidth: 16,
      data: channels.map((c) => round(c.conversions[model] ?? 0, 4)),
    })),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One row per channel: touchpoints, then conversions and revenue per model (CSV columns). */
export function attributionRows(result: AttributionResult): Record<string, string | number | null>[] {
  return result.channels.map((c) => {
    const row: Record<string, string | number | null> = { channel: c.channel, touchpoints: c.touchpoints };
    for (const m of result.models) row[`conversions_${m}`] = c.conversions[m] ?? 0;
    for (const m of result.models) row[`revenue_${m}`] = c.revenue[m] ?? 0;
    for (const m of result.models) row[`new_customers_${m}`] = c.newCustomers?.[m] ?? 0;
    if (c.spend !== undefined) {
      row.spend = c.spend;
      for (const m of result.models) {
        row[`cpa_${m}`] = c.cpa?.[m] ?? null;
        row[`roas_${m}`] = c.roas?.[m] ?? null;
        row[`roi_${m}`] = c.roi?.[m] ?? null;
        row[`cost_per_new_customer_${m}`] = c.costPerNewCustomer?.[m] ?? null;
      }
    }
    return row;
  });
}

export interface MarkovRow {
  channel: string;
  removalEffect: number;
  share: number;
  conversions: number;
}

/** Markov removal effects, largest first. */
export function markovRows(result: AttributionResult): MarkovRow[] {
  const markov = result.markov;
  if (!markov) return [];
  return Object.keys(markov.removalEffects)
    .map((channel) => ({
      channel,
      removalEffect: markov.removalEffects[channel] ?? 0,
      share: markov.shares[channel] ?? 0,
      conversions: result.channels.find((c) => c.channel === channel)?.conversions.markov ?? 0,
    }))
    .sort((a, b) => b.removalEffect - a.removalEffect || (a.channel < b.channel ? -1 : 1));
}

/** Whether a channel's ROI is below 1 under the model (it returns less than it costs). */
export function roiBelowOne(result: AttributionResult, channel: string, model: AttributionModel): boolean {
  return result.channels.find((c) => c.channel === channel)?.roiBelowOne?.includes(model) ?? false;
}

export interface NewCustomerQualityRow {
  channel: string;
  newCustomers: number;
  mature: number;
  immature: number;
  repeatShare: number | null;
  revenuePerCustomer: number | null;
}

/** The channels credited with new customers under `model`, most first. */
export function newCustomerQualityRows(result: AttributionResult, model: AttributionModel): NewCustomerQualityRow[] {
  return result.channels
    .map((c) => {
      const q = c.newCustomerQuality?.[model];
      return { channel: c.channel, newCustomers: c.newCustomers?.[model] ?? 0, mature: q?.mature ?? 0, immature: q?.immature ?? 0, repeatShare: q?.repeatShare ?? null, revenuePerCustomer: q?.revenuePerCustomer ?? null };
    })
    .filter((row) => row.newCustomers > 1e-12)
    .sort((a, b) => b.newCustomers - a.newCustomers || (a.channel < b.channel ? -1 : 1));
}
