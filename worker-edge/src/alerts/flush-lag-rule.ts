import type { Env } from '../env';
import { unflushedSeconds } from '../buffer/ingest-buffer';
import { buffersOf } from '../stubs';
import type { Assessment } from './seasonal-baseline';

/** The alert metric `flush_lag`: seconds the oldest acknowledged, not yet written event has waited, over every shard. */
export const FLUSH_LAG_METRIC = 'flush_lag';
export const DEFAULT_FLUSH_LAG_LIMIT_SECONDS = 600;

export async function currentFlushLagSeconds(env: Env, site: string, now: number): Promise<number> {
  const lags = await Promise.all(buffersOf(env, site).map((buffer) => buffer.flushLag()));
  return Math.max(0, ...lags.map((lag) => unflushedSeconds(lag, now)));
}

/**
 * A fixed limit, not a seasonal baseline: a flush lag has no normal daily shape, and any lag past the limit means
 * acknowledged events are not reaching R2 (a flush failing on every retry, a stuck alarm). `upper` is the limit.
 */
export function assessFlushLag(lagSeconds: number, limitSeconds: number): Assessment {
  return {
    outcome: lagSeconds > limitSeconds ? 'spike' : 'normal',
    value: lagSeconds,
    median: null,
    mad: null,
    spread: null,
    lower: null,
    upper: limitSeconds,
    relativeChange: null,
    baselineValues: [],
  };
}

export function flushLagMessage(site: string, ruleName: string, lagSeconds: number, limitSeconds: number): string {
  return (
    `[${site}] flush lag: the oldest acknowledged event has waited ${lagSeconds} s to be written to R2 (limit ${limitSeconds} s). ` +
    `It is safe in the buffer, but flushes are not keeping up or are failing: see /metrics and the worker logs (flush_lag). Rule: ${ruleName}`
  );
}
