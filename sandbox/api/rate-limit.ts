// Requests per minute, per user and partition, in two separate budgets: the JSON endpoints and
// the uploads (file and blob PUTs). A sliding one-minute window, so Retry-After is exact.

export type RateClass = 'json' | 'upload';

export interface RateLimits {
  rateLimit: number;
  uploadRateLimit: number;
}

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  current(): RateLimits {
    return { ...this.limits };
  }

  /** New limits start from a clean slate, so a test that lowers them counts from zero. */
  set(limits: Partial<RateLimits>): void {
    this.limits = { ...this.limits, ...limits };
    this.hits.clear();
  }

  /** Counts one request; answers the seconds to wait when it is over the limit (and not counted). */
  take(rateClass: RateClass, userId: string, partition: string): number | null {
    const limit = rateClass === 'json' ? this.limits.rateLimit : this.limits.uploadRateLimit;
    const key = `${rateClass}|${userId}|${partition}`;
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length >= limit) {
      this.hits.set(key, recent);
      const oldest = recent[recent.length - limit] ?? now;
      return Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
    }
    recent.push(now);
    this.hits.set(key, recent);
    return null;
  }
}
