import type { QualityCheckId } from '@privacy-analytics/core/analytics';

/** What each check means, in the words of the view (definitions in docs/marketing-analytics.md). */
export const CHECK_LABELS: Record<QualityCheckId, { title: string; unit: string }> = {
  clicks_above_impressions: { title: 'More clicks than impressions', unit: 'campaigns' },
  conversion_before_first_touch: { title: 'Conversion before the first touch', unit: 'conversions' },
  conversion_without_touch: { title: 'Conversion without any touch', unit: 'conversions' },
  negative_revenue: { title: 'Negative revenue', unit: 'conversions' },
  conversion_without_order_id: { title: 'Conversion without order id', unit: 'conversions' },
  duplicate_order_id: { title: 'Order id on several conversions', unit: 'conversions' },
  event_after_receipt: { title: 'Event time after the edge received it', unit: 'events' },
};

/** Counts by reason, largest first, as label / count pairs. */
export function byCount(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
