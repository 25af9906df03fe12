// Small HTTP helpers shared by the API, the sites and the window: JSON answers, the contract's
// error bodies, and bounded body reading.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The contract's error codes and the status each one travels with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_partition: 400,
  invalid_path: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  missing_blobs: 409,
  payload_too_large: 413,
  digest_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An answer that is an error: thrown by handlers, written by the pipeline. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra fields beside code and message (e.g. `missing` for missing_blobs). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      ...headers,
    })
    .end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message, ...error.extra } },
    error.headers,
  );
}

/**
 * Reads a request body of at most `cap` bytes. Past the cap it stops buffering and throws
 * `payload_too_large` at once; the caller answers 413 and the rest of the body is discarded
 * (see discardRest), never stored.
 */
export function readBody(
  req: IncomingMessage,
  cap: number,
  onChunk?: (chunk: Buffer) => void,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) return Promise.reject(tooLarge(cap));
  // Events rather than for-await: leaving an async iterator early destroys the socket, and the
  // client would see a reset instead of our 413.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        cleanup();
        reject(tooLarge(cap));
        return;
      }
      onChunk?.(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(cap: number): ApiError {
  return new ApiError('payload_too_large', `the body is larger than ${cap} bytes`, { connection: 'close' });
}

/**
 * After an early answer (413) the client may still be sending. Drain what arrives without keeping
 * it, so the client reads our answer instead of a reset, but only for a bounded time.
 */
export function discardRest(req: IncomingMessage, res: ServerResponse, graceMs = 5_000): void {
  if (req.readableEnded) return;
  req.removeAllListeners('data');
  req.on('data', () => {});
  req.resume();
  const timer = setTimeout(() => res.socket?.destroy(), graceMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  res.once('close', () => clearTimeout(timer));
}

export function readJsonBody(buffer: Buffer, req: IncomingMessage): unknown {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError('invalid_request', 'the body must be JSON, sent with Content-Type: application/json');
  }
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    throw new ApiError('invalid_request', 'the body is not valid JSON');
  }
}

/** True for a peer on this machine; the window answers nobody else. */
export function isLoopbackPeer(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
