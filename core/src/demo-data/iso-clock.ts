import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time/units';

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Formats epoch milliseconds as ISO strings using a per-day prefix cache (no Date per event). */
export class IsoClock {
  private readonly base: number;
  private readonly prefixes: string[] = [];

  constructor(startMs: number, days: number) {
    this.base = Math.floor(startMs / DAY_MS) * DAY_MS;
    for (let d = 0; d <= days + 2; d++) this.prefixes.push(new Date(this.base + d * DAY_MS).toISOString().slice(0, 11));
  }

  iso(ms: number): string {
    const d = Math.floor((ms - this.base) / DAY_MS);
    const prefix = this.prefixes[d];
    if (prefix === undefined || !Number.isInteger(ms)) return new Date(ms).toISOString();
    let r = ms - this.base - d * DAY_MS;
    const h = Math.floor(r / HOUR_MS);
    r -= h * HOUR_MS;
    const mi = Math.floor(r / MINUTE_MS);
    r -= mi * MINUTE_MS;
    const s = Math.floor(r / 1000);
    return `${prefix}${PAD2[h]}:${PAD2[mi]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
  }
}
