import type { Env } from '../env';
import type { SiteState } from '../storage/site-state';
import {  } from '../stubs';

/** What a lifecycle job step needs: its site, the bindings and the SiteLifecycle's own storage. */
export interface JobContext {
  site: string;
  env: Env;
  sql: SqlStorage;
  storage: DurableObjectStorage;
  catalog: DurableObjectStub<SiteState>;
  now(): number;
}

/** What a step reports to the alarm loop. */
export type StepOutcome = 'progress' | 'idle';

