import type { EdgeConnection } from '../../engine/data-engine';
import { EdgeAdmin, roleProblem, type AlertRuleInfo, type FiredAlert, type WhoAmI } from '../../edge/edge-admin';
import { AnalysisRun } from '../analysis-run.svelte.ts';
import { errorMessage } from '../errors';

/** A list the token may read, or the sentence saying which role it lacks. */
export type Listing<T> = { kind: 'items'; items: T[] } | { kind: 'forbidden'; message: string } | { kind: 'failed'; message: string };

export interface AlertsSnapshot {
  whoAmI: WhoAmI | null;
  alerts: Listing<FiredAlert>;
  rules: Listing<AlertRuleInfo>;
}

async function listing<T>(load: () => Promise<T[]>, role: 'viewer' | 'admin', action: string): Promise<Listing<T>> {
  try {
    return { kind: 'items', items: await load() };
  } catch (error) {
    const problem = roleProblem(error, role, action);
    if (problem) return { kind: 'forbidden', message: problem };
    // One list failing (say the alerts store is down) must not hide the other or the token's role.
    return { kind: 'failed', message: errorMessage(error) };
  }
}

/** The alerts view's state: what the edge says about the token, fired alerts (viewer) and rules (admin). */
export class AlertsState {
  // Requests go to the edge, not the data engine: nothing to cancel beyond dropping the answer.
  readonly run = new AnalysisRun<AlertsSnapshot>({ cancelQuery: () => Promise.resolve() });
  #loadedFor: string | null = null;

  /** Loads once per connection; `force` reloads. */
  async load(connection: EdgeConnection, force = false): Promise<void> {
    const key = `${connection.url}|${connection.site}|${connection.token}`;
    if (!force && key === this.#loadedFor) return;
    this.#loadedFor = key;
    const admin = new EdgeAdmin(connection);
    await this.run.run(async () => {
      const whoAmI = await admin.whoAmI().catch(() => null);
      const [alerts, rules] = await Promise.all([
        listing(async () => (await admin.firedAlerts({ limit: 100 })).alerts, 'viewer', 'list fired alerts'),
        listing(() => admin.alertRules(), 'admin', 'list alert rules (they hold webhook URLs)'),
      ]);
      return { whoAmI, alerts, rules };
    });
  }
}
