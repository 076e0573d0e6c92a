/**
 * Geometry of the overview's chart over time (SeriesChart.svelte), drawn as SVG by the page itself: the first chart a
 * visitor waits for does not wait for ECharts (about 600 kB of JavaScript whose first draw held the page's one thread
 * for 0.3-0.4 s on a warm open). Pure functions, so that the scales are tested without a browser.
 */
import { formatCompact } from './format';

/** One line of the chart: a value per category. */
export interface ChartSeries {
  name: string;
  values: readonly number[];
}

/** Integer axis ticks from 0 to at least `max`, at a step of 1, 2, 2.5 or 5 × 10ⁿ (never below 1), about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, ([1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude));
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) {
    ticks.push(Math.round(v * 1e6) / 1e6);
    if (v >= top) break;
  }
  return ticks;
}

/** Every how many categories an x label is shown so that labels `labelPx` wide do not overlap over `widthPx`. */
export function labelStride(categories: number, widthPx: number, labelPx: number): number {
  if (categories <= 1 || widthPx <= 0) return 1;
  const fit = Math.max(1, Math.floor(widthPx / labelPx));
  return Math.max(1, Math.ceil(categories / fit));
}

/** x of category `i` of `n` across [left, right] (one category sits in the middle). */
export function categoryX(i: number, n: number, left: number, right: number): number {
  if (n <= 1) return (left + right) / 2;
  return left + ((right - left) * i) / (n - 1);
}

/** An SVG path through the points (M x y L x y …), coordinates rounded to 0.1 px. */
export function linePath(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${Math.round(x * 10) / 10} ${Math.round(y * 10) / 10}`).join(' ');
}

/** The index of the category nearest to `x`. */
export function nearestCategory(x: number, n: number, left: number, right: number): number {
  if (n <= 1) return 0;
  const i = Math.round(((x - left) / (right - left)) * (n - 1));
  return Math.min(n - 1, Math.max(0, i));
}

const whole = new Intl.NumberFormat('en');

/** An axis label: 950, 9,500, 95k, 9.5M. */
export function axisNumber(v: number): string {
  return Math.abs(v) >= 100_000 ? formatCompact(v) : whole.format(v);
}
