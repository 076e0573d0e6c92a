/**
 * Errors of running SQL, and readable messages from anything thrown. One definition for the dashboard's data worker,
 * the Node connectors, the CLI and the tests.
 */

/** A SQL statement failed: `sql` is the statement, `cause` the engine's own error. */
export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    message: string,
    readonly sql: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The engine's message followed by the statement (cut to 2,000 characters), for people reading the error. */
  static whileRunning(sql: string, cause: Error): QueryError {
    return new QueryError(`${cause.message}\n-- while running:\n${truncate(sql, 2000)}`, sql, { cause });
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A readable one-line message from anything thrown, with its cause when that adds something. */
export function errorMessageWithCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
