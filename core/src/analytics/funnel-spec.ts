/** The funnel's spec (zod): steps, order, window, exclusions, breakdown, range, what is counted. */
import { z } from 'zod';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName, windowSchema } from './spec';

export const FUNNEL_ORDERS = ['sequential', 'strict', 'any'] as const;
export const MAX_FUNNEL_STEPS = 20;

export const funnelSpecSchema = z
  .strictObject({
    steps: z.array(eventMatcherSchema).min(2, 'a funnel needs at least 2 steps').max(MAX_FUNNEL_STEPS, `a funnel has at most ${MAX_FUNNEL_STEPS} steps`),
    order: z.enum(FUNNEL_ORDERS).default('sequential'),
    window: windowSchema.default({ value: 14, unit: 'day' }),
    exclusions: z
      .array(
        eventMatcherSchema.extend({
          fromStep: z.number().int().min(0),
          toStep: z.number().int().min(1),
        }),
      )
      .max(20)
      .default([]),
    breakdown: z.strictObject({ property: propertyName }).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    count: z.enum(['persons', 'totals']).default('persons'),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine((spec, ctx) => {
    checkRange(spec, ctx);
    spec.exclusions.forEach((exclusion, i) => {
      const path = ['exclusions', i];
      if (exclusion.toStep <= exclusion.fromStep) ctx.addIssue({ code: 'custom', path: [...path, 'toStep'], message: `toStep (${exclusion.toStep}) must be after fromStep (${exclusion.fromStep})` });
      if (exclusion.toStep >= spec.steps.length) ctx.addIssue({ code: 'custom', path: [...path, 'toStep'], message: `toStep (${exclusion.toStep}) must be a step index below ${spec.steps.length}` });
      if (spec.order === 'any' && (exclusion.fromStep !== 0 || exclusion.toStep !== spec.steps.length - 1)) {
        ctx.addIssue({ code: 'custom', path, message: `in an "any" order funnel the steps have no order, so exclusions must span the whole funnel (fromStep 0, toStep ${spec.steps.length - 1})` });
      }
    });
  });

export type FunnelSpecInput = z.input<typeof funnelSpecSchema>;
export type FunnelSpec = z.output<typeof funnelSpecSchema>;

export function parseFunnelSpec(input: unknown): FunnelSpec {
  return parseSpec(funnelSpecSchema, input);
}
