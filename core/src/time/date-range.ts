/** Days from `from` to `to`, both YYYY-MM-DD, both inclusive, UTC: what the dashboard loads and the edge's manifest lists. */
export interface DateRange {
  from: string;
  to: string;
}
