// What a HostsmithClient is built with, and what one request through it takes (client.ts).
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type * as z from 'zod/v4';
import type { Partition, Session } from '../auth/types.js';
import type { Logger } from '../log.js';

export interface RequestOptions<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Already percent-encoded. */
  path: string;
  partition?: Partition;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A factory, so a retry re-creates the stream. */
  body?: () => Readable | Buffer;
  contentType?: string;
  contentLength?: number;
  schema?: z.ZodType<T>;
  /**
   * Who tries again after a dropped connection or a 5xx, where retry-policy.ts allows it: this
   * client (default), or the caller, which counts its own tries (blob uploads). Retry-After
   * (429, 503) is always waited out here, bounded.
   */
  retry?: 'client' | 'caller';
  signal?: AbortSignal;
}

export interface HostsmithClientOptions {
  apiUrl: string;
  session: Session;
  log: Logger;
  userAgent: string;
  dispatcher?: Dispatcher;
  /** The longest Retry-After we wait out inside one call (10 s), and how often (2). */
  maxRetryAfterSeconds?: number;
  maxRateLimitRetries?: number;
  /** How long one request may go without an answer (--request-timeout; default 30 s). */
  timeoutMs?: number;
  /** The first backoff between tries (default RETRY_LIMITS.baseDelayMs); tests shorten it. */
  retryBaseDelayMs?: number;
}
