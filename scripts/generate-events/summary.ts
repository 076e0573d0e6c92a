import type { PersonTruth, SegmentMessage } from '@privacy-analytics/core/demo-data';
import type { CliOptions } from './args';

/** Aggregates what was generated (from the messages and the ground-truth hook). */
export class Summary {
  messages = 0;
  readonly byType = new Map<string, number>();
  readonly byEvent = new Map<string, number>();
  persons = 0;
  identifiedPersons = 0;
  buyers = 0;
  repeatBuyers = 0;
  sessions = 0;
  sessionsWithCart = 0;
  checkouts = 0;
  orders = 0;
  revenue = 0;
  readonly experiment = { control: { exposed: 0, buyers: 0 }, treatment: { exposed: 0, buyers: 0 } };
  private lastCartSession: string | undefined;

  addMessage(m: SegmentMessage): void {
    this.messages++;
    this.byType.set(m.type, (this.byType.get(m.type) ?? 0) + 1);
    if (m.type !== 'track') return;
    this.byEvent.set(m.event, (this.byEvent.get(m.event) ?? 0) + 1);
    if (m.event === 'Product Added') {
      // A session's messages are contiguous, so a change of session id marks a new session with a cart.
      const sid = m.context.sessionId;
      if (sid !== this.lastCartSession) {
        this.sessionsWithCart++;
        this.lastCartSession = sid;
      }
    } else if (m.event === 'Checkout Started') {
      this.checkouts++;
    } else if (m.event === 'Order Completed') {
      this.orders++;
      this.revenue += Number(m.properties.revenue);
    }
  }

  addPerson(p: PersonTruth): void {
    this.persons++;
    this.sessions += p.sessions;
    if (p.userId) this.identifiedPersons++;
    if (p.orders > 0) this.buyers++;
    if (p.orders > 1) this.repeatBuyers++;
    if (p.exposedToExperiment) {
      const arm = this.experiment[p.variant];
      arm.exposed++;
      if (p.orders > 0) arm.buyers++;
    }
  }

  format(opts: CliOptions, seconds: number): string {
    const n = (x: number) => x.toLocaleString('en-US');
    const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '-');
    const list = (m: Map<string, number>) =>
      [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]) => `${k} ${n(v)}`).join(', ');
    const end = new Date(opts.start.getTime() + opts.days * 86_400_000);
    const { control, treatment } = this.experiment;
    return [
      `generated ${n(this.messages)} messages (seed ${opts.seed}, ${opts.start.toISOString().slice(0, 10)} .. ${end.toISOString().slice(0, 10)}, ${opts.days} days) in ${seconds.toFixed(1)} s (${n(Math.round(this.messages / Math.max(seconds, 1e-9)))} msg/s)`,
      `by type: ${list(this.byType)}`,
      `track events: ${list(this.byEvent)}`,
      `persons ${n(this.persons)} (identified ${n(this.identifiedPersons)}, buyers ${n(this.buyers)}, repeat buyers ${n(this.repeatBuyers)}), sessions ${n(this.sessions)}`,
      `funnel: sessions ${n(this.sessions)} -> with cart ${n(this.sessionsWithCart)} (${pct(this.sessionsWithCart, this.sessions)}) -> checkout ${n(this.checkouts)} (${pct(this.checkouts, this.sessionsWithCart)}) -> order ${n(this.orders)} (${pct(this.orders, this.checkouts)})`,
      `orders ${n(this.orders)}, revenue $${this.revenue.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} (AOV $${this.orders ? (this.revenue / this.orders).toFixed(2) : '0.00'})`,
      `experiment checkout_button: control ${n(control.buyers)}/${n(control.exposed)} exposed bought (${pct(control.buyers, control.exposed)}), treatment ${n(treatment.buyers)}/${n(treatment.exposed)} (${pct(treatment.buyers, treatment.exposed)})`,
    ].join('\n');
  }
}
