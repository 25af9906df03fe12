// The auth layer's HTTP: one undici dispatcher for every request (discovery, registration,
// token, revocation), built by ../net/dispatcher.ts (proxies, loopback never proxied), with a
// deadline on each request. openid-client receives it through its customFetch hook.
import type { CustomFetch, CustomFetchOptions } from 'openid-client';
import { createDispatcher } from '../net/dispatcher.js';
import { type Dispatcher, fetchVia } from '../net/undici.js';

export interface AuthHttpOptions {
  /** Deadline for one whole request, headers and body (default 30 s). */
  timeoutMs?: number;
  /** For tests: a dispatcher of their own (closed by close() all the same). */
  dispatcher?: Dispatcher;
}

export interface AuthHttp {
  readonly dispatcher: Dispatcher;
  /** openid-client's customFetch: every OAuth request goes through it. */
  readonly fetch: CustomFetch;
  /** The same deadline in seconds, for openid-client's Configuration.timeout. */
  readonly timeoutSeconds: number;
  /** GET a JSON document (protected-resource metadata), with the deadline. */
  getJson(url: URL): Promise<{ status: number; contentType: string; body: unknown }>;
  /** Waits for requests under way, then releases the connections. */
  close(): Promise<void>;
  /** Cuts requests under way (they fail) and releases the connections. */
  destroy(): Promise<void>;
}

export function createAuthHttp(options: AuthHttpOptions = {}): AuthHttp {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dispatcher = options.dispatcher ?? createDispatcher({ timeoutMs });

  const fetch: CustomFetch = async (url: string, init: CustomFetchOptions) => {
    const signal = init.signal ?? AbortSignal.timeout(timeoutMs);
    // No redirect is followed (openid-client asks for none: `redirect: 'manual'`).
    return fetchVia(dispatcher, url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal,
    });
  };

  let destroyed = false;
  return {
    dispatcher,
    fetch,
    timeoutSeconds: Math.ceil(timeoutMs / 1000),
    async getJson(url) {
      const response = await fetchVia(dispatcher, url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const contentType = response.headers.get('content-type') ?? '';
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, contentType, body };
    },
    async close() {
      if (!destroyed) await dispatcher.close();
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await dispatcher.destroy();
    },
  };
}
