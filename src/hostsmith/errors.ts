// Every failure of a Hostsmith call, with a stable code: the API's own error code, or ours
// (network, timeout, malformed_response, invalid_argument) for what never got an answer.
export class HostsmithError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly retryAfter?: number;
  readonly details?: unknown;
  readonly operation: string;
  constructor(opts: {
    code: string;
    message: string;
    operation: string;
    status?: number;
    retryAfter?: number;
    details?: unknown;
    cause?: unknown;
  }) {
    super(opts.message, { cause: opts.cause });
    this.name = 'HostsmithError';
    this.code = opts.code;
    this.operation = opts.operation;
    this.status = opts.status;
    this.retryAfter = opts.retryAfter;
    this.details = opts.details;
  }
}

/**
 * A 3xx from the API. Never followed: the request carries the bearer token, and the API URL is
 * the one place it may go. Names the target's origin only (its path or query is none of ours).
 */
export function redirectError(
  status: number,
  location: string | string[] | undefined,
  operation: string,
  base: URL,
): HostsmithError {
  const target = Array.isArray(location) ? location[0] : location;
  let where = 'elsewhere';
  try {
    if (target) where = new URL(target, base).origin;
  } catch {
    // An unparseable Location: say only that it redirected.
  }
  return new HostsmithError({
    code: 'redirect',
    message: `Hostsmith answered ${operation} with a redirect (HTTP ${status}) to ${where}; requests that carry your sign-in are never sent on. Check the API URL (--api-url / HOSTSMITH_API_URL): ${base.origin}.`,
    operation,
    status,
  });
}
