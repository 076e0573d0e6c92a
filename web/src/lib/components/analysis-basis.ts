import { describeBasis, type AnalysisBasis } from '@privacy-analytics/core/analytics';
import { formatInteger } from './format';

/** What the footnote under a result says, and its switch for rows flagged as invalid (when the view offers one). */
export interface BasisFootnote {
  /** The same sentences the command line prints on its `basis:` line. */
  sentences: string[];
  flaggedSwitch: { checked: boolean; label: string } | null;
}

/**
 * The footnote of `basis`. The switch is offered only when it would change something: flagged rows lie in the
 * range, or were included (so it can be turned off again).
 */
export function basisFootnote(basis: AnalysisBasis, offerSwitch: boolean): BasisFootnote {
  const flagged = basis.events.flagged;
  const shown = offerSwitch && (flagged > 0 || basis.includeFlagged);
  const rows = flagged === 1 ? 'the 1 row' : `the ${formatInteger(flagged)} rows`;
  return {
    sentences: describeBasis(basis),
    flaggedSwitch: shown ? { checked: basis.includeFlagged, label: flagged > 0 ? `Include ${rows} flagged as invalid` : 'Include rows flagged as invalid' } : null,
  };
}
