import * as Comlink from 'comlink';

// QueryError (a failed statement, carrying its SQL and the engine's error) and errorMessage are core's.
export { errorMessage, QueryError } from '@privacy-analytics/core/engine';

/** An error as it crosses a worker boundary (structured clone drops Error subclasses, names and causes). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 4;

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    if (error.stack) out.stack = error.stack;
    if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return { name: typeof name === 'string' ? name : 'Error', message: String(message) };
  }
  return { name: 'Error', message: String(error) };
}

export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message, serialized.cause ? { cause: deserializeError(serialized.cause) } : undefined);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

let installed = false;

/**
 * Replaces comlink's handler for thrown values so that errors keep their name, stack and cause chain. Must run
 * on both sides of the boundary (the facades and the worker entries call it).
 */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = Comlink.transferHandlers.get('throw');
  if (!original) throw new Error('comlink has no "throw" transfer handler to replace');
  const handler: Comlink.TransferHandler<{ value: unknown }, { error: SerializedError }> = {
    canHandle: (value): value is { value: unknown } => original.canHandle(value),
    serialize: ({ value }) => [{ error: serializeError(value) }, []],
    deserialize: ({ error }) => {
      throw deserializeError(error);
    },
  };
  Comlink.transferHandlers.set('throw', handler as Comlink.TransferHandler<unknown, unknown>);
}

/** A call that was pending (or made) when its worker died. */
export class EngineCrashedError extends Error {
  override name = 'EngineCrashedError';
}

/** A query cancelled by cancelQuery() (or superseded by a newer one). */
export class QueryCancelledError extends Error {
  override name = 'QueryCancelledError';
}

/** The edge answered, but not with what was asked (auth, bad range, server error), or could not be reached. */
export class EdgeRequestError extends Error {
  override name = 'EdgeRequestError';
  readonly status: number | null;
  /** the edge's error code (`insufficient_role`, `below_retention_floor`, …), when it sent one */
  readonly code: string | null;
  /** the edge's whole error answer (its code, message and details such as `required` or `floorDays`) */
  readonly body: Record<string, unknown> | null;
  constructor(message: string, status: number | null, options?: ErrorOptions & { code?: string | null; body?: Record<string, unknown> | null }) {
    super(message, options);
    this.status = status;
    this.code = options?.code ?? null;
    this.body = options?.body ?? null;
  }
}
