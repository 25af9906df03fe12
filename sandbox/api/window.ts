// The test window: knobs to turn and what happened, as methods (in-process tests) and as
// loopback-only JSON endpoints under /_sandbox/ (child-process tests).
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/v4';
import {
  type AuthServer,
  type CurrentRefreshToken,
  type IssuedSecrets,
  PARTITIONS,
  type Partition,
  type SandboxUser,
} from '../types.js';
import { addFiles, addSites, type BulkFiles, type BulkSites } from './bulk.js';
import { type Fault, type FaultSpecInput, FaultSpecSchema, type Knobs } from './faults.js';
import { ApiError, isLoopbackPeer, readBody, readJsonBody, sendError, sendJson } from './http.js';
import type { Busy, InFlight, ListenerName } from './in-flight.js';
import type { Store } from './model.js';
import { isValidFilePath, SITE_NAME } from './paths.js';
import type { RateLimiter, RateLimits } from './rate-limit.js';
import type { RequestLog, RequestLogEntry } from './request-log.js';

export interface GrantInfo {
  grantId: string;
  accountId: string;
  email: string | null;
  clientId: string;
  /** The API scopes the grant holds. */
  scopes: string[];
  refreshes: number;
}

export interface SandboxWindow {
  /** Added latency for every request to a partition's API and sites (ms; 0 removes it). */
  setLatency(partition: Partition, ms: number): void;
  latency(): Record<Partition, number>;
  /** Make the next `count` matching requests fail, drop, stall, hold their answer or answer malformed JSON. */
  injectFault(fault: FaultSpecInput): Fault;
  faults(): Fault[];
  clearFaults(): void;
  /** Per user and partition, per minute. Setting them resets the counters. */
  setRateLimits(limits: Partial<RateLimits>): void;
  rateLimits(): RateLimits;
  /** For access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  refreshCounts(): Record<string, number>;
  /** Refused token requests, counted by `<grant_type> <error>: <detail>` (e.g. a refresh token used twice). */
  tokenErrors(): Record<string, number>;
  /** Per live grant, its unspent refresh token (what a client that lost nothing holds). */
  currentRefreshTokens(): CurrentRefreshToken[];
  secrets(): IssuedSecrets;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  /** Per listener, connections open and requests still being handled (0 and 0: all settled). */
  inFlight(): Record<ListenerName, Busy>;
  grants(): Promise<GrantInfo[]>;
  /** As a person would on the account page: every token of the grant stops working. */
  revokeGrant(grantId: string): Promise<boolean>;
  /** Every grant of one user; answers how many were revoked. */
  revokeUserGrants(email: string): Promise<number>;
  /** Gives a user `count` more sites in a partition at once (for tests of big accounts). */
  addSites(spec: BulkSites): { sites: Array<{ id: string; name: string }> };
  /** Writes files (each holding its path) to a user's site, made if missing, at once. */
  addFiles(spec: BulkFiles): { id: string; name: string; files: number };
}

export type WindowAuth = Pick<
  AuthServer,
  | 'grants'
  | 'revokeGrant'
  | 'refreshCounts'
  | 'tokenErrors'
  | 'currentRefreshTokens'
  | 'secrets'
  | 'setAccessTokenTtl'
>;

export function createWindow(deps: {
  auth: WindowAuth;
  knobs: Knobs;
  limiter: RateLimiter;
  log: RequestLog;
  users: readonly SandboxUser[];
  store: Store;
  inFlight: InFlight;
}): SandboxWindow {
  const { auth, knobs, limiter, log, users, store, inFlight } = deps;
  const grants = async (): Promise<GrantInfo[]> =>
    (await auth.grants()).map((g) => ({
      ...g,
      email: users.find((u) => u.id === g.accountId)?.email ?? null,
    }));
  return {
    setLatency: (partition, ms) => knobs.setLatency(partition, ms),
    latency: () => knobs.latency(),
    injectFault: (fault) => knobs.addFault(fault),
    faults: () => knobs.faults(),
    clearFaults: () => knobs.clearFaults(),
    setRateLimits: (limits) => limiter.set(limits),
    rateLimits: () => limiter.current(),
    setAccessTokenTtl: (seconds) => auth.setAccessTokenTtl(seconds),
    refreshCounts: () => auth.refreshCounts(),
    tokenErrors: () => auth.tokenErrors(),
    currentRefreshTokens: () => auth.currentRefreshTokens(),
    secrets: () => auth.secrets(),
    requestLog: () => log.list(),
    clearRequestLog: () => log.clear(),
    inFlight: () => inFlight.current(),
    grants,
    revokeGrant: (grantId) => auth.revokeGrant(grantId),
    async revokeUserGrants(email) {
      const mine = (await grants()).filter((g) => g.email === email.toLowerCase());
      let revoked = 0;
      for (const g of mine) if (await auth.revokeGrant(g.grantId)) revoked++;
      return revoked;
    },
    addSites: (spec) => bulk(() => addSites(store, users, spec)),
    addFiles: (spec) => bulk(() => addFiles(store, users, spec)),
  };
}

/** A bulk knob's refusal (unknown user, name taken) as the window's 400. */
function bulk<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new ApiError('invalid_request', (error as Error).message);
  }
}

const PartitionSchema = z.enum(PARTITIONS as [Partition, ...Partition[]]);
const LatencyBody = z.strictObject({ partition: PartitionSchema, ms: z.number().int().min(0).max(600_000) });
const LimitsBody = z.strictObject({
  rateLimit: z.number().int().min(0).optional(),
  uploadRateLimit: z.number().int().min(0).optional(),
});
const TtlBody = z.strictObject({ seconds: z.number().int().min(1) });
const SiteNamePart = z.string().regex(SITE_NAME, 'a site name is 1–63 of a-z, 0-9 and inner hyphens');
const SitesBody = z.strictObject({
  email: z.string(),
  partition: PartitionSchema,
  prefix: SiteNamePart.refine((p) => p.length <= 56, 'at most 56 characters, to leave room for "-{n}"'),
  count: z.number().int().min(1).max(10_000),
});
const FilesBody = z.strictObject({
  email: z.string(),
  partition: PartitionSchema,
  site: SiteNamePart,
  paths: z.array(z.string().refine(isValidFilePath, 'not a valid file path')).min(1).max(100_000),
});

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError('invalid_request', z.prettifyError(result.error));
  return result.data;
}

type WindowRoute = (w: SandboxWindow, body: unknown, param: string) => unknown | Promise<unknown>;

/** `METHOD path` → what it does; `{x}` is the one path parameter. */
const WINDOW_ROUTES: Record<string, WindowRoute> = {
  'GET latency': (w) => w.latency(),
  'PUT latency': (w, body) => {
    const { partition, ms } = parse(LatencyBody, body);
    w.setLatency(partition, ms);
    return w.latency();
  },
  'GET faults': (w) => ({ faults: w.faults() }),
  'POST faults': (w, body) => w.injectFault(parse(FaultSpecSchema, body)),
  'DELETE faults': (w) => {
    w.clearFaults();
    return { faults: [] };
  },
  'GET rate-limits': (w) => w.rateLimits(),
  'PUT rate-limits': (w, body) => {
    w.setRateLimits(parse(LimitsBody, body));
    return w.rateLimits();
  },
  'PUT access-token-ttl': (w, body) => {
    const { seconds } = parse(TtlBody, body);
    w.setAccessTokenTtl(seconds);
    return { seconds };
  },
  'GET refresh-counts': (w) => w.refreshCounts(),
  'GET token-errors': (w) => w.tokenErrors(),
  'GET refresh-tokens': (w) => ({ refreshTokens: w.currentRefreshTokens() }),
  'GET secrets': (w) => w.secrets(),
  'GET requests': (w) => ({ requests: w.requestLog() }),
  'DELETE requests': (w) => {
    w.clearRequestLog();
    return { requests: [] };
  },
  'GET in-flight': (w) => w.inFlight(),
  'GET grants': async (w) => ({ grants: await w.grants() }),
  'DELETE grants/{x}': async (w, _body, grantId) => {
    if (!(await w.revokeGrant(grantId))) throw new ApiError('not_found', `no live grant ${grantId}`);
    return { revoked: 1 };
  },
  'DELETE users/{x}/grants': async (w, _body, email) => ({ revoked: await w.revokeUserGrants(email) }),
  'POST seed/sites': (w, body) => w.addSites(parse(SitesBody, body)),
  'POST seed/files': (w, body) => w.addFiles(parse(FilesBody, body)),
};

/** Handles /_sandbox/…; answers 403 to any peer that is not on this machine. */
export async function handleWindow(
  w: SandboxWindow,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
): Promise<void> {
  try {
    if (!isLoopbackPeer(req)) {
      sendJson(res, 403, {
        error: { code: 'forbidden', message: 'the sandbox window answers loopback peers only' },
      });
      return;
    }
    const rest = rawPath.slice('/_sandbox/'.length).split('/');
    let key = rest.join('/');
    let param = '';
    if (rest[0] === 'grants' && rest.length === 2) {
      key = 'grants/{x}';
      param = decodeURIComponent(rest[1] ?? '');
    } else if (rest[0] === 'users' && rest.length === 3 && rest[2] === 'grants') {
      key = 'users/{x}/grants';
      param = decodeURIComponent(rest[1] ?? '');
    }
    const route = WINDOW_ROUTES[`${req.method} ${key}`];
    if (!route) {
      const known = Object.keys(WINDOW_ROUTES).some((k) => k.endsWith(` ${key}`));
      if (known) throw new ApiError('method_not_allowed', `${req.method} is not allowed here`);
      throw new ApiError('not_found', `no window endpoint ${rawPath}`);
    }
    const raw = await readBody(req, 4 * 1024 * 1024); // room for a seed of 10,000 paths or more
    const body = raw.length > 0 ? readJsonBody(raw, req) : undefined;
    sendJson(res, 200, await route(w, body, param));
  } catch (error) {
    sendError(res, error instanceof ApiError ? error : new ApiError('invalid_request', String(error)));
  }
}
