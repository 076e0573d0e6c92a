/** The paths builder's form and its mapping to a paths spec (and back, for saved reports). */
import type { PathsSpecInput } from '@privacy-analytics/core/analytics';
import type { EventName } from '@privacy-analytics/core/analytics';
import { emptyEventStep, splitNames, toEventMatcher, toEventStepDraft, type EventStepDraft } from './event-step-form';
import { entryEvent } from './starter-events';

export type PathAnchor = 'start' | 'end';

export interface PathsForm {
  /** paths after the event (`start`) or leading to it (`end`) */
  anchor: PathAnchor;
  event: EventStepDraft;
  steps: number;
  sessionBound: boolean;
  /** comma-separated event names left out before paths are cut */
  exclude: string;
  minPersons: number;
}

export const DEFAULT_PATH_EXCLUDES = 'identify, alias, group';

export function defaultPathsForm(): PathsForm {
  return { anchor: 'start', event: emptyEventStep(), steps: 5, sessionBound: false, exclude: DEFAULT_PATH_EXCLUDES, minPersons: 1 };
}

/** The form a first visit opens with: paths after the most frequent arrival event (page views); null without events. */
export function starterPathsForm(events: readonly EventName[]): PathsForm | null {
  const event = entryEvent(events);
  return event === null ? null : { ...defaultPathsForm(), event: emptyEventStep(event) };
}

/** Everything but the date range (a saved report's question). */
export function pathsQueryFromForm(form: PathsForm): PathsSpecInput {
  const anchor = toEventMatcher(form.event, form.anchor === 'start' ? 'start event' : 'end event');
  return {
    ...(form.anchor === 'start' ? { start: anchor } : { end: anchor }),
    steps: form.steps,
    sessionBound: form.sessionBound,
    exclude: splitNames(form.exclude),
    minPersons: form.minPersons,
  };
}

export function pathsFormFromSpec(spec: PathsSpecInput): PathsForm {
  const defaults = defaultPathsForm();
  const anchor = spec.start ?? spec.end;
  return {
    anchor: spec.start === undefined && spec.end !== undefined ? 'end' : 'start',
    event: anchor ? toEventStepDraft(anchor) : emptyEventStep(),
    steps: spec.steps ?? defaults.steps,
    sessionBound: spec.sessionBound ?? defaults.sessionBound,
    exclude: spec.exclude ? spec.exclude.join(', ') : defaults.exclude,
    minPersons: spec.minPersons ?? defaults.minPersons,
  };
}
