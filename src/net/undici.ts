// The parts of undici this program uses, imported from undici's own files rather than its index:
// the index loads all of undici (fetch, WebSocket, caches, cookies, mocks, SOCKS, …), 0.73 MB of
// the bundle, for a proxy-aware agent and its methods (0.40 MB). undici is pinned to one version
// (package.json), and test/unit/net-undici.test.ts fails if these files move.
import type { Dispatcher } from 'undici';
import api from 'undici/lib/api/index.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';

// What undici's index does on load: request, connect, stream, … as dispatcher methods. The
// proxy agent's CONNECT tunnel calls its client's connect() (found by test/e2e/proxy.test.ts).
Object.assign(DispatcherBase.prototype, api);
const requestWith = api.request;

export type { Dispatcher };
export { EnvHttpProxyAgent };

export interface RequestInit extends Omit<Dispatcher.RequestOptions, 'origin' | 'path'> {
  dispatcher: Dispatcher;
}

/** undici's `request(url, { dispatcher, … })`: one HTTP request, no redirect followed. */
export function request(url: string | URL, init: RequestInit): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...options } = init;
  const target = new URL(url);
  return requestWith.call(dispatcher, {
    ...options,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
  });
}

/** Statuses whose response has no body (a WHATWG Response refuses one for them). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A WHATWG fetch for openid-client's customFetch, over `request`: the whole body read (OAuth
 * answers are small), redirects returned as they are (openid-client asks for `manual`), a form
 * body sent as fetch would send it.
 */
export async function fetchVia(
  dispatcher: Dispatcher,
  url: string | URL,
  init: {
    method?: string;
    headers?: ConstructorParameters<typeof Headers>[0];
    body?: unknown;
    signal?: AbortSignal;
  },
): Promise<Response> {
  const headers = new Headers(init.headers);
  let body: string | Uint8Array | undefined;
  if (init.body instanceof URLSearchParams) {
    body = init.body.toString();
    if (!headers.has('content-type'))
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  } else if (typeof init.body === 'string' || init.body instanceof Uint8Array) {
    body = init.body;
  } else if (init.body != null) {
    throw new TypeError('fetchVia: a body must be a string, bytes or URLSearchParams');
  }
  const res = await request(url, {
    dispatcher,
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: Object.fromEntries(headers),
    ...(body !== undefined ? { body } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const bytes = new Uint8Array(await res.body.arrayBuffer());
  const answerHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) answerHeaders.append(name, one);
  }
  const response = new Response(NULL_BODY.has(res.statusCode) ? null : bytes, {
    status: res.statusCode,
    headers: answerHeaders,
  });
  // fetch's Response knows where it came from; openid-client may read it.
  Object.defineProperty(response, 'url', { value: new URL(url).href });
  return response;
}
