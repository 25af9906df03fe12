// Blob uploads, tried again per blob: which failures may be is the one table's
// (src/hostsmith/retry-policy.ts; a PUT by digest changes nothing when repeated). 503 and 429
// are the HostsmithClient's: it waits out their Retry-After (bounded) itself, so retrying them
// again here would multiply the tries. Never retried: every other 4xx, since the request itself
// is wrong and will be wrong again, and a timeout, which bounds the call.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backoffMs as baseBackoffMs,
  type Method,
  mayRetry,
  outcomeOf,
  RETRY_LIMITS,
} from '../hostsmith/retry-policy.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The wait before the second try; doubled before each later one, plus up to 50 % jitter. */
  baseDelayMs: number;
  /** The most a `Retry-After` may make us wait. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: RETRY_LIMITS.attempts,
  baseDelayMs: RETRY_LIMITS.baseDelayMs,
  maxRetryAfterMs: RETRY_LIMITS.maxRetryAfterSeconds * 1000,
};

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null && name in err
    ? (err as Record<string, unknown>)[name]
    : undefined;
}

/** true for a failure of `method` (a blob PUT by default) that another try may cure. */
export function isTransient(err: unknown, method: Method = 'PUT'): boolean {
  const outcome = outcomeOf(err);
  if (!outcome) return false;
  if (outcome.kind === 'status' && (outcome.status === 503 || outcome.status === 429)) return false;
  return mayRetry(method, outcome);
}

/** How long to wait after the `failures`-th failure (1-based). */
export function backoffMs(failures: number, err: unknown, policy: RetryPolicy, random = Math.random): number {
  const delay = baseBackoffMs(failures, policy.baseDelayMs, random);
  const retryAfter = field(err, 'retryAfter');
  if (typeof retryAfter === 'number' && retryAfter > 0) {
    return Math.max(delay, Math.min(retryAfter * 1000, policy.maxRetryAfterMs));
  }
  return delay;
}

/** Runs `fn` up to `policy.attempts` times while it fails transiently. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || signal?.aborted || !isTransient(err)) throw err;
      await sleep(backoffMs(attempt, err, policy), undefined, { signal });
    }
  }
}
