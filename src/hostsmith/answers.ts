// What one HTTP exchange with Hostsmith amounts to: the parsed answer, or a HostsmithError
// with one message for people (what failed, and why) — the tool layer adds what to do.
import type * as z from 'zod/v4';
import { certificateProblem } from '../net/tls-problem.js';
import { HostsmithError } from './errors.js';
import type { Outcome } from './retry-policy.js';
import { ErrorBodySchema } from './schemas.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** No answer at all: the connection failed, dropped, or stayed silent past the request timeout. */
export function unreached(error: unknown, outcome: Outcome, operation: string, timeoutMs: number, url?: URL) {
  if (outcome.kind === 'timeout') {
    return new HostsmithError({
      code: 'timeout',
      message: `Hostsmith did not answer ${operation} within ${timeoutMs / 1000} s (the request timeout, --request-timeout).`,
      operation,
      cause: error,
    });
  }
  const certificate = url && certificateProblem(error, url);
  if (certificate) {
    return new HostsmithError({ code: 'certificate', message: certificate, operation, cause: error });
  }
  const reason = (error as Error)?.message || 'the connection failed';
  return new HostsmithError({
    code: 'network',
    message: `Could not reach Hostsmith (${operation}): ${reason}.`,
    operation,
    cause: error,
  });
}

/** An HTTP error answer, with the API's own code and message when its body has them. */
export function failure(res: RawResponse, operation: string, retryAfter?: number): HostsmithError {
  let code = res.status >= 500 ? 'unavailable' : `http_${res.status}`;
  let message = `Hostsmith answered ${res.status} to ${operation}.`;
  let details: unknown;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(res.text));
    if (parsed.success) {
      code = parsed.data.error.code;
      message = parsed.data.error.message;
      const { code: _c, message: _m, ...rest } = parsed.data.error;
      if (Object.keys(rest).length > 0) details = rest;
    }
  } catch {
    // Not JSON (a proxy's page, a dropped body): keep the status-based code.
  }
  if (res.status === 403) {
    const scope = /scope="([^"]*)"/.exec(String(res.headers['www-authenticate'] ?? ''))?.[1];
    if (scope) details = { ...(details as object), scope };
  }
  return new HostsmithError({ code, message, operation, status: res.status, retryAfter, details });
}

/** A 2xx answer: its JSON, checked against `schema` when there is one. */
export function parseAnswer<T>(res: RawResponse, operation: string, schema?: z.ZodType<T>): T {
  // Nothing to read is an answer only where nothing was expected.
  if (res.status === 204 || (res.text === '' && !schema)) return undefined as T;
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new HostsmithError({
      code: 'malformed_response',
      message: `Hostsmith answered ${operation} with something that is not JSON.`,
      operation,
      status: res.status,
    });
  }
  if (!schema) return json as T;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new HostsmithError({
      code: 'malformed_response',
      message: `Hostsmith's answer to ${operation} was not in the expected shape (${parsed.error.issues[0]?.message ?? 'invalid'}).`,
      operation,
      status: res.status,
    });
  }
  return parsed.data;
}
