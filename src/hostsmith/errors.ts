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
