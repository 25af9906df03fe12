// The one-shot loopback server that receives the authorization response (RFC 8252 §7.3):
// 127.0.0.1 on a port the OS picks. Only the callback carrying our `state` is acted on; a
// wrong state or any stray request (favicon, other paths, another Host) gets a small page and
// the wait goes on. It closes after the one real callback, on timeout, or when cancelled.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { renderPage } from './callback-page.js';
import { AuthError } from './types.js';
import { createWarningLimiter } from './warning-limiter.js';

export const CALLBACK_PATH = '/callback';

/** What the one matching callback produced: the page to show and how the wait ends. */
export interface CallbackAnswer<T> {
  status: number;
  page: string;
  outcome: { ok: true; value: T } | { ok: false; error: unknown };
}

export interface CallbackServerOptions<T> {
  /** The state this sign-in sent; only a callback carrying it is acted on. */
  state: string;
  /** Give up after this long (SIGN_IN_TIMEOUT). */
  timeoutMs: number;
  /**
   * Runs once, for the callback whose state matched, with the callback URL rebuilt on our
   * redirect URI: check the rest (iss, error) and exchange the code.
   */
  complete(callbackUrl: URL): Promise<CallbackAnswer<T>>;
  /**
   * Answers liveness probes (owner-liveness.ts): the body for a request path, or undefined for
   * a path that is not a probe. Never touches the start link or the wait.
   */
  alive?(pathname: string): string | undefined;
  log: Logger;
}

export interface CallbackServer<T> {
  /** http://127.0.0.1:{port} */
  readonly origin: string;
  /** http://127.0.0.1:{port}/callback */
  readonly redirectUri: string;
  /** Settles once: the value of the matching callback, or its error, SIGN_IN_TIMEOUT, or cancel's error. */
  readonly result: Promise<T>;
  /**
   * Serve `/start/{id}` as a redirect to `location` while the wait lasts, and return that link:
   * a short URL that carries no state or PKCE challenge, so it can be printed and shown.
   */
  startLink(id: string, location: string): string;
  /**
   * A callback URL pasted by the person (their browser ran on another machine and could not reach
   * us): checked exactly like a real callback — our address and path, the state, one use. The
   * terminal it was pasted into is the binding, so no cookie is asked for. Answers what to tell
   * the person; a wrong URL does not end the wait.
   */
  paste(pasted: string): Promise<{ ok: boolean; message: string }>;
  /** Stop waiting (result rejects with `error`, SIGN_IN_CANCELLED by default) and close. */
  close(error?: Error): void;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  connection: 'close',
};

/**
 * Cookies are per host, not per port: two sign-ins waiting at once (two MCP clients) share
 * 127.0.0.1, so each binds under a name of its own, or the second would overwrite the first.
 */
const bindingCookie = (port: string) => `hostsmith_sign_in_${port}`;

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startCallbackServer<T>(opts: CallbackServerOptions<T>): Promise<CallbackServer<T>> {
  let resolveResult!: (value: T) => void;
  let rejectResult!: (error: unknown) => void;
  const result = new Promise<T>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // Whoever holds `result` sees the rejection; nobody holding it must not crash the process.
  result.catch(() => {});

  let phase: 'waiting' | 'completing' | 'closed' = 'waiting';
  let start: { path: string; location: string } | undefined;
  /**
   * Set when the start link is opened: the browser that opened it gets this value as a cookie,
   * and only a callback carrying it completes the sign-in — so the person who finishes the
   * sign-in is the one who started it (the phishing rule of URL-mode elicitation).
   */
  let binding: string | undefined;
  let origin = '';
  let timer: NodeJS.Timeout | undefined;
  // Any local web page can send forged callbacks: a few are said, the rest summed up.
  const refusals = createWarningLimiter({
    warn: (message) => opts.log.warn(message),
    summary: (count) =>
      `Refused ${count} more sign-in callback${count === 1 ? '' : 's'} (wrong state or wrong browser) without logging each; still waiting for the right one.`,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      opts.log.debug(`callback server: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, PAGE_HEADERS).end(renderPage('failed'));
    });
  });

  const shutdown = () => {
    clearTimeout(timer);
    refusals.flush();
    server.close();
    server.closeIdleConnections();
  };
  const end = (error: Error) => {
    if (phase === 'closed') return;
    phase = 'closed';
    rejectResult(error);
    shutdown();
    server.closeAllConnections();
  };

  const send = (res: ServerResponse, status: number, page: string) => {
    res.writeHead(status, PAGE_HEADERS).end(page);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    const port = origin.slice(origin.lastIndexOf(':') + 1);
    // DNS rebinding: only the names our own links use.
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return send(res, 421, renderPage('not_found'));
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return send(res, 405, renderPage('not_found'));
    }
    const url = new URL(req.url ?? '/', origin);

    const alive = opts.alive?.(url.pathname);
    if (alive !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store', connection: 'close' });
      res.end(alive);
      return;
    }

    if (start && url.pathname === start.path) {
      // One use: a second visit (another tab, another person) finds the link spent.
      if (phase !== 'waiting') return send(res, 410, renderPage('expired'));
      if (binding !== undefined) return send(res, 410, renderPage('link_used'));
      binding = randomBytes(24).toString('base64url');
      res
        .writeHead(302, {
          location: start.location,
          'set-cookie': `${bindingCookie(port)}=${binding}; Path=${CALLBACK_PATH}; HttpOnly; SameSite=Lax`,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          connection: 'close',
        })
        .end();
      return;
    }
    if (url.pathname !== CALLBACK_PATH) return send(res, 404, renderPage('not_found'));
    if (phase !== 'waiting') return send(res, 410, renderPage('expired'));

    const state = url.searchParams.get('state');
    if (!state || !sameSecret(state, opts.state)) {
      refusals.warn(
        'Refused a sign-in callback with a wrong or missing state; still waiting for the right one.',
      );
      return send(res, 400, renderPage('wrong_state'));
    }

    if (start && !sameSecret(cookieValue(req, bindingCookie(port)) ?? '', binding ?? '')) {
      refusals.warn(
        'Refused a sign-in callback from a browser that did not open the sign-in link; still waiting.',
      );
      return send(res, 400, renderPage('wrong_browser'));
    }

    const answer = await finish(url.search);
    if (!answer) return send(res, 410, renderPage('expired'));
    res.once('finish', shutdown);
    send(res, answer.status, answer.page);
    settle(answer);
  }

  /** The code exchange for the one matching callback; undefined when cancelled meanwhile. */
  async function finish(search: string): Promise<CallbackAnswer<T> | undefined> {
    phase = 'completing';
    const callbackUrl = new URL(CALLBACK_PATH, origin);
    callbackUrl.search = search;
    let answer: CallbackAnswer<T>;
    try {
      answer = await opts.complete(callbackUrl);
    } catch (error) {
      answer = { status: 500, page: renderPage('failed'), outcome: { ok: false, error } };
    }
    // Cancelled or timed out meanwhile: that already settled the result.
    if (phase !== 'completing') return undefined;
    phase = 'closed';
    return answer;
  }

  function settle(answer: CallbackAnswer<T>): void {
    if (answer.outcome.ok) resolveResult(answer.outcome.value);
    else rejectResult(answer.outcome.error);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const minutes = Math.round(opts.timeoutMs / 60_000);
  timer = setTimeout(
    () =>
      end(
        new AuthError(
          'SIGN_IN_TIMEOUT',
          `Nobody finished signing in to Hostsmith within ${minutes >= 1 ? `${minutes} minutes` : `${Math.round(opts.timeoutMs / 1000)} seconds`}; start again.`,
        ),
      ),
    opts.timeoutMs,
  );

  return {
    origin,
    redirectUri: `${origin}${CALLBACK_PATH}`,
    result,
    startLink(id, location) {
      start = { path: `/start/${encodeURIComponent(id)}`, location };
      return `${origin}${start.path}`;
    },
    async paste(pasted) {
      let url: URL;
      try {
        url = new URL(pasted.trim());
      } catch {
        return { ok: false, message: 'That is not a URL. Paste the whole address from the browser.' };
      }
      if (url.origin !== origin || url.pathname !== CALLBACK_PATH) {
        return { ok: false, message: `That address is not this sign-in's (${origin}${CALLBACK_PATH}?…).` };
      }
      if (phase !== 'waiting') return { ok: false, message: 'This sign-in is already over.' };
      const state = url.searchParams.get('state');
      if (!state || !sameSecret(state, opts.state)) {
        return {
          ok: false,
          message: 'That address belongs to a different sign-in (wrong state); still waiting.',
        };
      }
      const answer = await finish(url.search);
      if (!answer) return { ok: false, message: 'This sign-in is already over.' };
      shutdown();
      settle(answer);
      return answer.outcome.ok
        ? { ok: true, message: 'Signed in.' }
        : { ok: false, message: (answer.outcome.error as Error)?.message ?? 'Sign-in failed.' };
    },
    close(error) {
      end(error ?? new AuthError('SIGN_IN_CANCELLED', 'The sign-in was cancelled.'));
    },
  };
}
