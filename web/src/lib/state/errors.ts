/** The views' error messages: the message with its cause when that adds something (core's errorMessageWithCause). */
export { errorMessageWithCause as errorMessage } from '@privacy-analytics/core/engine';

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /abort|cancel/i.test(error.message));
}
