/**
 * The one retry loop for requests to the edge: jittered exponential backoff, a bounded number of tries, and a caller
 * who says which failures are worth another try. Used by the dashboard's file downloads, the collector client, the
 * demo and the test harnesses.
 */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; each later wait is `factor` times longer, jittered by ±50 %. */
  baseDelayMs: number;
  factor?: number;
}

export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The wait before try number `attempt + 1` (attempt counts from 1). */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return policy.baseDelayMs * (policy.factor ?? 2) ** (attempt - 1) * (0.5 + random());
}

/**
 * Runs `run(attempt)` until it returns, `shouldRetry(error)` says no, or the tries run out (then the last error is
 * thrown, wrapped in a RetriesExhaustedError naming `what`). An abort of `signal` ends the waiting at once.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  run: (attempt: number) => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (!shouldRetry(error)) throw error;
      if (attempt >= policy.attempts) throw new RetriesExhaustedError(`${what} failed after ${attempt} attempts: ${error instanceof Error ? error.message : String(error)}`, attempt, { cause: error });
      await sleep(backoffDelayMs(policy, attempt), signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
