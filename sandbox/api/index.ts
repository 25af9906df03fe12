// The API listener's request pipeline: window → sites → protected-resource metadata → /v1 routes
// (token, partition, latency and faults, scope, rate limit, body, handler), plus the wrapper that
// gives the authorization server's listener the same faults and request log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PARTITIONS,
  type Partition,
  type PersistSlot,
  type SandboxUser,
  SCOPES,
  type TokenInfo,
} from '../types.js';
import type { RouteContext } from './context.js';
import { applyFault, Knobs, type RequestFacts, sleep } from './faults.js';
import { ApiError, discardRest, readBody, readJsonBody, sendError, sendJson } from './http.js';
import { InFlight } from './in-flight.js';
import { Store } from './model.js';
import { RateLimiter } from './rate-limit.js';
import { type LogContext, RequestLog } from './request-log.js';
import { isApiPath, matchRoute, PROTECTED_RESOURCE_METADATA, SITES_PREFIX, WINDOW_PREFIX } from './routes.js';
import { seed } from './seed.js';
import { serveSite, sitePartition } from './serve-sites.js';
import { createWindow, handleWindow, type SandboxWindow, type WindowAuth } from './window.js';

export type { SandboxWindow } from './window.js';

export const MAX_JSON_BODY = 1024 * 1024;

export interface ApiAuth extends WindowAuth {
  verifyAccessToken(token: string): Promise<TokenInfo | null>;
}

export interface ApiOptions {
  /** The API's base URL (no trailing slash); also the resource indicator. */
  api: string;
  issuer: string;
  users: readonly SandboxUser[];
  auth: ApiAuth;
  rateLimit: number;
  uploadRateLimit: number;
  persist?: PersistSlot;
  now?: () => Date;
}

export interface Api {
  /** The request handler for the API listener. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Wraps the authorization server's handler with the knobs and the request log. */
  wrapIssuer(
    handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ): (req: IncomingMessage, res: ServerResponse) => void;
  /** Connections and requests in progress; the sandbox hands it its listeners. */
  inFlight: InFlight;
  window: SandboxWindow;
  store: Store;
}

function splitUrl(url: string): { rawPath: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0
    ? { rawPath: url, query: new URLSearchParams() }
    : { rawPath: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer +([^\s]+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

export function createApi(options: ApiOptions): Api {
  const { api, users, auth } = options;
  const now = options.now ?? (() => new Date());
  const store = new Store();
  const saved = options.persist?.load();
  if (saved !== undefined) store.load(saved);
  else seed(store, users, now());
  if (options.persist) {
    const slot = options.persist;
    // The store serializes itself (toJSON) when the file is written, not on every change.
    store.onChange = () => slot.save(store);
    if (saved === undefined) slot.save(store);
  }
  const knobs = new Knobs();
  const limiter = new RateLimiter({ rateLimit: options.rateLimit, uploadRateLimit: options.uploadRateLimit });
  const log = new RequestLog();
  const inFlight = new InFlight();
  const window = createWindow({ auth, knobs, limiter, log, users, store, inFlight });
  const resourceMetadata = `${api}${PROTECTED_RESOURCE_METADATA}`;

  /** Latency and faults; answers true when a fault finished the request. */
  async function knobsFor(
    facts: RequestFacts,
    logCtx: LogContext,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const delay = facts.partition ? knobs.latency()[facts.partition] : 0;
    if (delay > 0) await sleep(delay);
    const fault = knobs.takeFault(facts);
    if (!fault) return false;
    logCtx.fault = fault.id;
    return applyFault(fault, req, res);
  }

  function unauthorized(message: string): ApiError {
    return new ApiError('unauthorized', message, {
      'www-authenticate': `Bearer error="invalid_token", error_description="${message}", resource_metadata="${resourceMetadata}"`,
    });
  }

  async function handleV1(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    query: URLSearchParams,
    logCtx: LogContext,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const match = matchRoute(method, rawPath);
    const token = bearerToken(req);
    const info = token ? await auth.verifyAccessToken(token) : null;
    const user = info ? users.find((u) => u.id === info.accountId) : undefined;
    const asked = query.get('partition');
    const explicit =
      asked !== null && (PARTITIONS as readonly string[]).includes(asked) ? (asked as Partition) : null;
    const partition = asked === null ? (user?.homePartition ?? null) : explicit;
    logCtx.partition = partition;
    logCtx.user = user?.email ?? null;
    if (await knobsFor({ server: 'api', method, path: rawPath, partition }, logCtx, req, res)) return;

    if (match.kind === 'not_found') throw new ApiError('not_found', `no route ${method} ${rawPath}`);
    if (match.kind === 'method_not_allowed') {
      throw new ApiError('method_not_allowed', `${method} is not allowed on ${rawPath}`, {
        allow: match.allow.join(', '),
      });
    }
    if (!info || !user)
      throw unauthorized(token ? 'the access token is invalid, expired or revoked' : 'no access token');
    if (partition === null)
      throw new ApiError('invalid_partition', `partition must be one of ${PARTITIONS.join(', ')}`);
    const { route, params } = match;
    if (route.scope && !info.scopes.has(route.scope)) {
      throw new ApiError('insufficient_scope', `this call needs the ${route.scope} scope`, {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${route.scope}", resource_metadata="${resourceMetadata}"`,
      });
    }
    const retryAfter = limiter.take(route.rate, user.id, partition);
    if (retryAfter !== null) {
      const what = route.rate === 'upload' ? 'uploads' : 'requests';
      throw new ApiError('rate_limited', `too many ${what} for ${user.email} in ${partition}`, {
        'retry-after': String(retryAfter),
      });
    }
    let body: unknown;
    if (route.jsonBody) body = readJsonBody(await readBody(req, MAX_JSON_BODY), req);
    const ctx: RouteContext = {
      req,
      res,
      params,
      query,
      body,
      user,
      token: info,
      partition,
      store,
      api,
      now,
    };
    const reply = await route.handler(ctx);
    sendJson(res, reply.status, reply.body, reply.headers);
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    query: URLSearchParams,
    logCtx: LogContext,
  ) {
    const method = req.method ?? 'GET';
    if (isApiPath(rawPath)) return handleV1(req, res, rawPath, query, logCtx);
    if (rawPath.startsWith(SITES_PREFIX)) {
      logCtx.partition = sitePartition(rawPath);
      const facts = { server: 'api' as const, method, path: rawPath, partition: logCtx.partition };
      if (await knobsFor(facts, logCtx, req, res)) return;
      serveSite(store, req, res, rawPath);
      return;
    }
    if (await knobsFor({ server: 'api', method, path: rawPath, partition: null }, logCtx, req, res)) return;
    if (rawPath === PROTECTED_RESOURCE_METADATA) {
      if (method !== 'GET' && method !== 'HEAD') {
        throw new ApiError('method_not_allowed', `${method} is not allowed here`, { allow: 'GET' });
      }
      sendJson(res, 200, {
        resource: api,
        authorization_servers: [options.issuer],
        scopes_supported: [...SCOPES],
        bearer_methods_supported: ['header'],
        resource_name: 'Hostsmith API (sandbox)',
      });
      return;
    }
    throw new ApiError('not_found', `no route ${method} ${rawPath}`);
  }

  function fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (error instanceof ApiError) {
      sendError(res, error);
      if (error.code === 'payload_too_large') discardRest(req, res);
      return;
    }
    process.stderr.write(
      `sandbox: internal error on ${req.method} ${splitUrl(req.url ?? '/').rawPath}: ${String(error)}\n`,
    );
    sendError(res, new ApiError('internal', 'internal error'));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const { rawPath, query } = splitUrl(req.url ?? '/');
    if (rawPath.startsWith(WINDOW_PREFIX)) {
      void handleWindow(window, req, res, rawPath);
      return;
    }
    const logCtx = log.track('api', req, res, rawPath);
    inFlight.track(
      'api',
      route(req, res, rawPath, query, logCtx).catch((error: unknown) => fail(req, res, error)),
    );
  }

  function wrapIssuer(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      const { rawPath } = splitUrl(req.url ?? '/');
      const logCtx = log.track('issuer', req, res, rawPath);
      const facts: RequestFacts = {
        server: 'issuer',
        method: req.method ?? 'GET',
        path: rawPath,
        partition: null,
      };
      inFlight.track(
        'issuer',
        knobsFor(facts, logCtx, req, res)
          .then((done) => (done ? undefined : handler(req, res)))
          .catch((error: unknown) => fail(req, res, error)),
      );
    };
  }

  return { handle, wrapIssuer, inFlight, window, store };
}
