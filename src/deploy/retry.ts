// Which failures of a blob upload are worth another try, and how long to wait before it.
// Retried here: 5xx other than 503, and a connection that broke (reset, refused, closed, timed
// out). 503 and 429 are the HostsmithClient's: it waits out their Retry-After (bounded) itself,
// up to three tries in all, so retrying them again here would multiply the tries. Never
// retried: every other 4xx, since the request itself is wrong and will be wrong again.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The wait before the second try; doubled before each later one, plus up to 50 % jitter. */
  baseDelayMs: number;
  /** The most a `Retry-After` may make us wait. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxRetryAfterMs: 10_000 };

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null && name in err
    ? (err as Record<string, unknown>)[name]
    : undefined;
}

/** true for a failure another try may cure (see the header). Follows `cause` chains. */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; e = field(e, 'cause'), depth++) {
    const status = field(e, 'status');
    if (typeof status === 'number') return status >= 500 && status !== 503;
    if (field(e, 'name') === 'AbortError') return false;
    const code = field(e, 'code');
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /network|connection|socket/i.test(code)))
      return true;
    if (field(e, 'message') === 'socket hang up' || field(e, 'message') === 'other side closed') return true;
  }
  return false;
}

/** How long to wait after the `failures`-th failure (1-based). */
export function backoffMs(failures: number, err: unknown, policy: RetryPolicy, random = Math.random): number {
  const base = policy.baseDelayMs * 2 ** (failures - 1);
  const delay = base + Math.floor(random() * base * 0.5);
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
