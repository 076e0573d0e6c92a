import type { z } from 'zod';
import { HttpError } from '../http/http-error';
import { readJsonBody } from '../http/read-json-body';

const MAX_ISSUES_SHOWN = 5;

/**
 * Reads and validates a JSON body; a body that does not fit is a 400 naming each offending field
 * (`baseline.days: at most 14`, `members[3].id: …`), at most five of them.
 */
export async function readBody<T>(request: Request, schema: z.ZodType<T>, maxBytes: number, code: string, expected: string, allowEmpty = false): Promise<T> {
  const empty = allowEmpty && (!request.body || request.headers.get('content-length') === '0');
  const parsed = schema.safeParse(empty ? undefined : await readJsonBody(request, maxBytes));
  if (parsed.success) return parsed.data;
  throw new HttpError(400, code, `${describeIssues(parsed.error)}; expected ${expected}`, { issues: parsed.error.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => ({ path: fieldPath(i.path), message: i.message })) });
}

export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => `${fieldPath(issue.path) || 'body'}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
