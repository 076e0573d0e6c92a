import type { IdentityMode } from '@privacy-analytics/core/analytics';
import type { PersonCoverage } from '../state/person-coverage.svelte.ts';
import { formatInteger } from './format';

/** The footnote's sentence, followed by a "(Data quality)" link unless busy; null: nothing to say (no data). */
export interface PersonCountNoteText {
  text: string;
  /** the persons count shown, for tests (null: none shown) */
  persons: number | null;
  busy: boolean;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/**
 * What a view's person counts are: ids merged by identity mapping (the loaded data's persons, their identified share
 * and online/offline link rate), or one id per person when the analysis ran with identity "none".
 */
export function personCountNote(status: PersonCoverage, identity: IdentityMode = 'merged'): PersonCountNoteText | null {
  if (identity === 'none') return { text: 'Persons: one id each, identity mapping off for this analysis', persons: null, busy: false };
  const lead = 'Persons: ids merged by identity mapping';
  switch (status.kind) {
    case 'idle':
    case 'no data':
      return null;
    case 'computing':
      return { text: `${lead} — counting persons and link rates…`, persons: null, busy: true };
    case 'failed':
      return { text: `${lead} — the link rates are not available just now`, persons: null, busy: false };
    case 'ready': {
      const c = status.coverage;
      const link = c.onlineOfflineLinkRate === null ? 'no offline rows' : `online/offline link ${percent(c.onlineOfflineLinkRate)}`;
      const persons = c.persons === 1 ? '1 person' : `${formatInteger(c.persons)} persons`;
      return { text: `${lead} — ${persons} in the loaded data, ${percent(c.identifiedPersonShare)} identified, ${link}`, persons: c.persons, busy: false };
    }
  }
}
