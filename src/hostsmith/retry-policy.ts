// Which Hostsmith requests may be tried again, written down once; the client
// (./client.ts) and the deploy engine (../deploy/retry.ts) both ask mayRetry().
//
//   method  what it does                          never sent  dropped / 5xx  timeout  429
//   GET     reads                                 yes         yes            no       yes
//   PUT     a blob (by digest) or file (by path)  yes         yes            no       yes
//   POST    creates a site or deploy, publishes   yes         NO             no       yes
//   PATCH   changes a site                        yes         NO             no       yes
//   DELETE  deletes a site or file                yes         NO             no       yes
//
// "Never sent": the connection was never made, so the server cannot have seen the request.
// Once it may have reached the server (a dropped connection, any 5xx, 503 included), only a
// request whose repetition changes nothing is sent again: a second POST would create a second
// site or deploy, a second DELETE answers 404 for what the first one did. A 429 says the request
// was refused before it was carried out, so it is waited out (Retry-After, bounded) for all.
// A timeout is never retried: the request timeout is the bound on each call, not a try.
//
// The bound on one request, then: at most 3 tries of at most --request-timeout each without an
// answer, 250 + 500 ms (+ jitter) between them, and at most 2 Retry-After waits of ≤ 10 s.

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How one try ended, as far as retrying is concerned. */
export type Outcome =
  | { kind: 'not_sent' }
  | { kind: 'dropped' }
  | { kind: 'timeout' }
  | { kind: 'status'; status: number };

/** true: sending the same request again changes nothing on the server. */
export const REPEATABLE: Readonly<Record<Method, boolean>> = {
  GET: true,
  PUT: true,
  POST: false,
  PATCH: false,
  DELETE: false,
};

export const RETRY_LIMITS = {
  /** Tries in all for a dropped connection or a 5xx, the first included. */
  attempts: 3,
  /** The wait before the second try; doubled before each later one, plus up to 50 % jitter. */
  baseDelayMs: 250,
  /** The longest Retry-After waited out inside one call, and how many times. */
  maxRetryAfterSeconds: 10,
  maxRetryAfterWaits: 2,
} as const;

export function mayRetry(method: Method, outcome: Outcome): boolean {
  switch (outcome.kind) {
    case 'not_sent':
      return true;
    case 'timeout':
      return false;
    case 'dropped':
      return REPEATABLE[method];
    case 'status':
      if (outcome.status === 429) return true;
      return outcome.status >= 500 && REPEATABLE[method];
  }
}

/** The wait before try `failures + 1`: 250 ms, 500 ms, … plus jitter. */
export function backoffMs(
  failures: number,
  baseDelayMs: number = RETRY_LIMITS.baseDelayMs,
  random = Math.random,
) {
  const base = baseDelayMs * 2 ** (failures - 1);
  return base + Math.floor(random() * base * 0.5);
}

/** Connection set-up failures: nothing was sent. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const DROPPED = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null && name in err
    ? (err as Record<string, unknown>)[name]
    : undefined;
}

/**
 * How a failed try ended: an HTTP status, or what happened to the connection (read from the
 * error's code, following `cause`). undefined for anything else (an abort, a bug).
 */
export function outcomeOf(err: unknown): Outcome | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; e = field(e, 'cause'), depth++) {
    if (field(e, 'name') === 'AbortError') return undefined;
    const status = field(e, 'status');
    if (typeof status === 'number') return { kind: 'status', status };
    const code = field(e, 'code');
    if (typeof code === 'string') {
      if (NOT_SENT.has(code)) return { kind: 'not_sent' };
      if (TIMEOUT.has(code)) return { kind: 'timeout' };
      if (DROPPED.has(code)) return { kind: 'dropped' };
    }
    const message = field(e, 'message');
    if (message === 'socket hang up' || message === 'other side closed') return { kind: 'dropped' };
  }
  return undefined;
}

/** The method of an operation string such as "POST /v1/sites". */
export function methodOf(operation: string): Method | undefined {
  const method = operation.split(' ', 1)[0];
  return method !== undefined && method in REPEATABLE ? (method as Method) : undefined;
}
