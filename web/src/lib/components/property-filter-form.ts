import type { FilterOp, PropertyFilter, Scalar } from '@privacy-analytics/core/analytics';

/** One editable row of a property filter, as the form holds it (text fields). */
export interface FilterDraft {
  property: string;
  op: FilterOp;
  /** one value, or comma-separated for in / not in, or "low, high" for between */
  value: string;
}

export const OP_LABELS: Record<FilterOp, string> = {
  eq: '=',
  neq: '≠',
  in: 'is one of',
  nin: 'is not one of',
  contains: 'contains',
  not_contains: 'does not contain',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  between: 'between',
  is_set: 'is set',
  is_not_set: 'is not set',
};

const NUMERIC_OPS = new Set<FilterOp>(['gt', 'gte', 'lt', 'lte', 'between']);

function scalar(text: string, numeric: boolean): Scalar {
  const trimmed = text.trim();
  if (numeric) {
    const n = Number(trimmed);
    if (trimmed === '' || !Number.isFinite(n)) throw new Error(`"${trimmed}" is not a number`);
    return n;
  }
  return trimmed;
}

/** The spec's filter from a form row; throws a message naming the property when the value does not fit the operator. */
export function toPropertyFilter(draft: FilterDraft): PropertyFilter {
  const property = draft.property.trim();
  if (!property) throw new Error('choose a property for every filter');
  if (draft.op === 'is_set' || draft.op === 'is_not_set') return { property, op: draft.op };
  const numeric = NUMERIC_OPS.has(draft.op);
  try {
    if (draft.op === 'in' || draft.op === 'nin' || draft.op === 'between') {
      const parts = draft.value.split(',').map((v) => v.trim()).filter(Boolean);
      if (draft.op === 'between' && parts.length !== 2) throw new Error('between needs two numbers: low, high');
      if (parts.length === 0) throw new Error('enter at least one value');
      return { property, op: draft.op, value: parts.map((p) => scalar(p, numeric)) };
    }
    if (draft.value.trim() === '') throw new Error('enter a value');
    return { property, op: draft.op, value: scalar(draft.value, numeric) };
  } catch (error) {
    throw new Error(`filter on ${property}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The form row for a spec's filter (saved reports open back into the form). */
export function toFilterDraft(filter: PropertyFilter): FilterDraft {
  const value = filter.value === undefined ? '' : Array.isArray(filter.value) ? filter.value.join(', ') : String(filter.value);
  return { property: filter.property, op: filter.op, value };
}
