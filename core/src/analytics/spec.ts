/**
 * Validation of analysis specs at the boundary (CLI spec files, saved reports, UI state): zod
 * schemas for the pieces every analysis shares, and one error type whose message names the
 * offending path and value, e.g. `spec.steps[1].where[0].op: expected one of eq, neq, ...; got "equal"`.
 */
import { z } from 'zod';
import { FILTER_OPS, parseInstant, propertyNameProblem, WINDOW_UNITS, type WindowUnit } from './sql';

export class SpecError extends Error {
  override name = 'SpecError';
}

const MAX_TEXT = 256;

export const propertyName = z
  .string()
  .min(1, 'property name is empty')
  .max(MAX_TEXT + 11)
  .superRefine((name, ctx) => {
    const problem = propertyNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const scalar = z.union([z.string().max(1024), z.number().finite(), z.boolean()]);

export const filterValueSchema = z.union([scalar, z.array(scalar).max(1000)]);

/** Checks that a filter's value fits its operator (used by every schema holding op + value). */
export function checkFilterValue(filter: { op: string; value?: unknown }, ctx: z.RefinementCtx): void {
  const { op, value } = filter;
  const isList = Array.isArray(value);
  const fail = (message: string) => ctx.addIssue({ code: 'custom', path: ['value'], message });
  if (op === 'is_set' || op === 'is_not_set') {
    if (value !== undefined) fail(`${op} takes no value`);
  } else if (op === 'in' || op === 'nin') {
    if (!isList || value.length === 0) fail(`${op} needs a non-empty array of values`);
  } else if (op === 'between') {
    if (!isList || value.length !== 2 || value.some((v) => typeof v === 'boolean')) fail('between needs [low, high]');
  } else if (value === undefined || isList) {
    fail(`${op} needs a single value`);
  } else if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && typeof value === 'boolean') {
    fail(`${op} needs a number (or an ISO time for timestamp columns)`);
  }
}

export const filterShape = {
  op: z.enum(FILTER_OPS),
  value: filterValueSchema.optional(),
};

export const propertyFilterSchema = z.strictObject({ property: propertyName, ...filterShape }).superRefine(checkFilterValue);

export const eventMatcherSchema = z.strictObject({
  event: z.string().min(1, 'event name is empty').max(MAX_TEXT),
  where: z.array(propertyFilterSchema).max(50).optional(),
});

export const isoTime = z
  .string()
  .max(40)
  .refine((text) => parseInstant(text) !== null, { message: 'expected a date (YYYY-MM-DD) or an ISO-8601 time' });

export const windowSchema = z.strictObject({
  value: z.number().int('window.value must be a whole number').positive().max(100_000),
  unit: z.enum(Object.keys(WINDOW_UNITS) as [WindowUnit, ...WindowUnit[]]),
});

export const identitySchema = z.enum(['merged', 'none']);

/** Rows flagged as invalid (quality-gate.ts) are left out unless this is true. */
export const includeFlaggedSchema = z.boolean().optional();

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'unknown IANA time zone' },
  );

/** `from` before `to`, checked on any object that has both. */
export function checkRange(spec: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (spec.from === undefined || spec.to === undefined) return;
  const from = parseInstant(spec.from);
  const to = parseInstant(spec.to);
  if (from !== null && to !== null && from > to) ctx.addIssue({ code: 'custom', path: ['to'], message: `"to" (${spec.to}) is before "from" (${spec.from})` });
}

function pathText(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** Parses with a schema; on failure throws a SpecError listing up to three issues with paths and values. */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, root = 'spec'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 3).map((issue) => {
    const where = pathText(root, issue.path);
    if (issue.code === 'unrecognized_keys') return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      return `${where}: expected one of ${issue.values.map(String).join(', ')}; got ${describe(valueAt(input, issue.path))}`;
    }
    const got = valueAt(input, issue.path);
    const suffix = got === undefined || issue.code === 'invalid_union' ? '' : `; got ${describe(got)}`;
    return `${where}: ${issue.message}${suffix}`;
  });
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
  throw new SpecError(lines.join('; ') + more);
}
