// The one place that builds the HTTP dispatcher for every outgoing request (OAuth, the API,
// uploads): undici's EnvHttpProxyAgent, so HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or their
// lowercase forms, which win, as undici reads them) apply everywhere, with loopback never
// proxied. NODE_EXTRA_CA_CERTS needs nothing here: Node adds it to the default CA store, which
// both direct and tunnelled (CONNECT) TLS connections use. Imported lazily with the commands
// that make requests, so undici is not loaded at startup.
import { type Dispatcher, EnvHttpProxyAgent } from './undici.js';

/** URL.host spellings of loopback; IPv6 in brackets, as undici compares them. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The NO_PROXY list handed to undici: the person's own (no_proxy wins over NO_PROXY, as undici
 * reads them) plus loopback, so the sandbox, a local API and our sign-in callback are never
 * sent to a proxy. `*` stays `*` (proxy nothing).
 */
export function noProxyList(env: Env = process.env): string {
  const own = (env.no_proxy ?? env.NO_PROXY ?? '').trim();
  if (own === '*') return '*';
  return [own, ...LOOPBACK].filter(Boolean).join(',');
}

export interface DispatcherOptions {
  /** How long a request may wait for headers, and between body chunks. */
  timeoutMs: number;
  /** Connections per origin (undici's default: unlimited). */
  connections?: number;
  keepAliveTimeoutMs?: number;
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const connectTimeout = Math.min(opts.timeoutMs, 10_000);
  return new EnvHttpProxyAgent({
    noProxy: noProxyList(),
    connectTimeout,
    connect: { timeout: connectTimeout },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
    ...(opts.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: opts.keepAliveTimeoutMs } : {}),
  });
}
