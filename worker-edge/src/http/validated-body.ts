import { z } from 'zod';
import { HttpError } from './http-error';
import { readJsonBody } from './read-json-body';

/** Admin request bodies are small; anything larger is a mistake or an attack. */
const MAX_ADMIN_BODY_BYTES = 4096;

/** Reads a JSON body and validates it, answering 400 with the schema's own explanation when it does not fit. */
export async function readValidatedBody<T>(request: Request, schema: z.ZodType<T>, expected: string, options: { optional?: boolean } = {}): Promise<T> {
  const declared = request.headers.get('content-length');
  const empty = request.body === null || declared === '0';
  const raw = empty && options.optional ? {} : await readJsonBody(request, MAX_ADMIN_BODY_BYTES);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, 'invalid_body', `expected ${expected}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return parsed.data;
}
