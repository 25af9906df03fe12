// The sandbox for a test file: startSandbox on free ports, closed in afterAll, plus real access
// tokens (a whole sign-in through test/helpers/oauth.ts) and a raw HTTP call.
//
//   const sb = await startTestSandbox({ rateLimit: 1000 });      // at the top of a test file
//   const token = await sb.token({ email: 'lin@example.com', scopes: ['sites:read'] });
//   const r = await call(sb.api, 'GET', '/v1/sites', { token });
import { request } from 'node:http';
import { afterAll } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/index.js';
import { SCOPES } from '../../sandbox/types.js';
import { signIn } from './oauth.js';

export interface TestSandbox extends Sandbox {
  /**
   * An access token from a real sign-in as `email` (default ada) granting `scopes` (default the
   * four; offline_access is always added). Cached per user and scopes: pass fresh for a new grant.
   */
  token(opts?: { email?: string; scopes?: readonly string[]; fresh?: boolean }): Promise<string>;
}

/** Call at the top level of a test file: the sandbox closes in that file's afterAll. */
export async function startTestSandbox(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, ...opts });
  afterAll(() => sandbox.close());
  const cache = new Map<string, Promise<string>>();
  return {
    ...sandbox,
    token({ email = 'ada@example.com', scopes = SCOPES, fresh = false } = {}) {
      const key = `${email} ${[...scopes].sort().join(' ')}`;
      let token = fresh ? undefined : cache.get(key);
      if (!token) {
        token = signIn(sandbox, { email, scopes: [...scopes, 'offline_access'] }).then((s) => s.accessToken);
        cache.set(key, token);
        // A failed sign-in is not remembered: the next call tries again.
        token.catch(() => cache.delete(key));
      }
      return token;
    },
  };
}

export interface ErrorBody {
  error?: { code: string; message: string; missing?: string[] };
}

export interface CallResult<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body (undefined when it is not JSON), typed as the caller expects it. */
  json: T & ErrorBody;
}

/**
 * One HTTP request with the path sent exactly as given (fetch would resolve `..` and `%2e%2e`
 * before sending, hiding what the server does with them).
 */
export function call<T = ErrorBody>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<CallResult<T>> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
  } else if (opts.raw !== undefined) {
    payload = Buffer.from(opts.raw);
  }
  if (payload) headers['content-length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: json as T & ErrorBody });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
