// TEMPORARY: the API half on a loopback listener with a fake token check, until the
// authorization half lands; then this becomes a thin wrapper of startSandbox + real sign-in.
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import { createApi, type SandboxWindow } from '../../sandbox/api/index.js';
import type { TokenInfo } from '../../sandbox/types.js';
import { SCOPES } from '../../sandbox/types.js';
import { USERS } from '../../sandbox/users.js';

export interface TestSandboxOptions {
  rateLimit?: number;
  uploadRateLimit?: number;
}

export interface TestSandbox {
  api: string;
  issuer: string;
  window: SandboxWindow;
  /** A fresh access token for a user (default ada) with the given scopes (default all four). */
  token(opts?: { email?: string; scopes?: readonly string[] }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestSandbox(opts: TestSandboxOptions = {}): Promise<TestSandbox> {
  const tokens = new Map<string, TokenInfo>();
  const server = createServer({ keepAlive: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const half = createApi({
    api,
    issuer: 'http://127.0.0.1:1',
    users: USERS,
    rateLimit: opts.rateLimit ?? 100,
    uploadRateLimit: opts.uploadRateLimit ?? 2000,
    auth: {
      verifyAccessToken: async (t) => tokens.get(t) ?? null,
      grants: async () => [],
      revokeGrant: async () => false,
      refreshCounts: () => ({}),
      secrets: () => ({
        accessTokens: [...tokens.keys()],
        refreshTokens: [],
        authorizationCodes: [],
        codeVerifiers: [],
      }),
      setAccessTokenTtl: () => {},
    },
  });
  server.on('request', half.handle);
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  afterAll(close);
  return {
    api,
    issuer: 'http://127.0.0.1:1',
    window: half.window,
    async token({ email = 'ada@example.com', scopes = SCOPES } = {}) {
      const user = USERS.find((u) => u.email === email);
      if (!user) throw new Error(`no user ${email}`);
      const t = randomBytes(16).toString('hex');
      tokens.set(t, {
        accountId: user.id,
        clientId: 'test',
        grantId: 'g',
        scopes: new Set(scopes),
        expiresAt: Date.now() / 1000 + 3600,
      });
      return t;
    },
    close,
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
