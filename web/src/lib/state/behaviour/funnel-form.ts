/**
 * The funnel builder's form and its two-way mapping to a funnel spec. The form holds text and indices as the
 * inputs edit them; `funnelQueryFromForm` turns it into a spec without the date range (that is the dashboard's),
 * and `funnelFormFromSpec` opens a saved report back into the form.
 */
import { FUNNEL_ORDERS, MAX_FUNNEL_STEPS, type FunnelSpec, type FunnelSpecInput } from '@privacy-analytics/core/analytics';
import type { EventName, WindowUnit } from '@privacy-analytics/core/analytics';
import { emptyEventStep, toEventMatcher, toEventStepDraft, type EventStepDraft } from './event-step-form';
import { starterFunnelSteps } from './starter-events';

export type FunnelOrder = (typeof FUNNEL_ORDERS)[number];
export type FunnelCount = FunnelSpec['count'];

export interface ExclusionDraft extends EventStepDraft {
  /** 0-based step indices: the exclusion event must fall after step `fromStep` and before step `toStep` */
  fromStep: number;
  toStep: number;
}

export interface FunnelForm {
  steps: EventStepDraft[];
  order: FunnelOrder;
  windowValue: number;
  windowUnit: WindowUnit;
  exclusions: ExclusionDraft[];
  /** '' for no breakdown */
  breakdown: string;
  count: FunnelCount;
}

export const WINDOW_UNIT_LABELS: Record<WindowUnit, string> = { second: 'seconds', minute: 'minutes', hour: 'hours', day: 'days', week: 'weeks' };

export function defaultFunnelForm(): FunnelForm {
  return { steps: [emptyEventStep(), emptyEventStep()], order: 'sequential', windowValue: 14, windowUnit: 'day', exclusions: [], breakdown: '', count: 'persons' };
}

/** The form a first visit opens with: the loaded data's e-commerce steps (or most frequent events); null without two. */
export function starterFunnelForm(events: readonly EventName[]): FunnelForm | null {
  const steps = starterFunnelSteps(events);
  return steps.length ? { ...defaultFunnelForm(), steps: steps.map((event) => emptyEventStep(event)) } : null;
}

/**
 * The question a saved report keeps: everything but the date range, which is the dashboard's. Throws a message
 * naming the row when a row is incomplete; limits (2..20 steps, exclusion bounds) are left to parseFunnelSpec.
 */
export function funnelQueryFromForm(form: FunnelForm): FunnelSpecInput {
  const spec: FunnelSpecInput = {
    steps: form.steps.map((step, i) => toEventMatcher(step, `step ${i + 1}`)),
    order: form.order,
    window: { value: form.windowValue, unit: form.windowUnit },
    count: form.count,
  };
  if (form.exclusions.length) {
    spec.exclusions = form.exclusions.map((exclusion, i) => ({ ...toEventMatcher(exclusion, `exclusion ${i + 1}`), fromStep: exclusion.fromStep, toStep: exclusion.toStep }));
  }
  const breakdown = form.breakdown.trim();
  if (breakdown) spec.breakdown = { property: breakdown };
  return spec;
}

export function funnelFormFromSpec(spec: FunnelSpecInput): FunnelForm {
  const defaults = defaultFunnelForm();
  return {
    steps: spec.steps.map(toEventStepDraft),
    order: spec.order ?? defaults.order,
    windowValue: spec.window?.value ?? defaults.windowValue,
    windowUnit: spec.window?.unit ?? defaults.windowUnit,
    exclusions: (spec.exclusions ?? []).map((exclusion) => ({ ...toEventStepDraft(exclusion), fromStep: exclusion.fromStep, toStep: exclusion.toStep })),
    breakdown: spec.breakdown?.property ?? '',
    count: spec.count ?? defaults.count,
  };
}

/** Form edits that keep the step indices of exclusions pointing at the same steps. */
export function addStep(form: FunnelForm): void {
  if (form.steps.length >= MAX_FUNNEL_STEPS) return;
  form.steps.push(emptyEventStep());
}

export function removeStep(form: FunnelForm, index: number): void {
  if (form.steps.length <= 1 || index < 0 || index >= form.steps.length) return;
  form.steps.splice(index, 1);
  const last = form.steps.length - 1;
  const clamp = (step: number) => Math.min(Math.max(step, 0), last);
  // Later steps move up one; an exclusion bound on the removed step widens to its neighbour.
  for (const exclusion of form.exclusions) {
    exclusion.fromStep = clamp(exclusion.fromStep >= index ? exclusion.fromStep - 1 : exclusion.fromStep);
    exclusion.toStep = clamp(exclusion.toStep > index ? exclusion.toStep - 1 : exclusion.toStep);
  }
}

export function moveStep(form: FunnelForm, index: number, offset: -1 | 1): void {
  const target = index + offset;
  if (target < 0 || target >= form.steps.length) return;
  const [step] = form.steps.splice(index, 1);
  form.steps.splice(target, 0, step!);
}

export function addExclusion(form: FunnelForm): void {
  form.exclusions.push({ ...emptyEventStep(), fromStep: 0, toStep: Math.max(form.steps.length - 1, 1) });
}
