// The typed Hostsmith REST client: one keep-alive connection pool for the API origin (through a
// proxy when the environment names one), the bearer token from the Session, one
// refresh-and-retry on 401, tries again only where ./retry-policy.ts allows (bounded backoff;
// Retry-After on 429/503, bounded), a request timeout on every call, and every failure as a
// HostsmithError with a stable code.
import type { Readable } from 'node:stream';
import type { Account, Partition, Session } from '../auth/types.js';
import type { Logger } from '../log.js';
import { createDispatcher } from '../net/dispatcher.js';
import { certificateProblem } from '../net/tls-problem.js';
import { type Dispatcher, request as undiciRequest } from '../net/undici.js';
import { failure, parseAnswer, type RawResponse, retryAfterSeconds, sleep, unreached } from './answers.js';
import type { HostsmithClientOptions, RequestOptions } from './client-options.js';
import { HostsmithError, redirectError } from './errors.js';
import { backoffMs, mayRetry, type Outcome, outcomeOf, RETRY_LIMITS } from './retry-policy.js';
import { ROUTES, requestUrl } from './routes.js';
import {
  type AccountInfo,
  AccountSchema,
  type Domain,
  DomainListSchema,
  FileListSchema,
  FileSchema,
  type Site,
  type SiteFile,
  SiteListSchema,
  SiteSchema,
} from './schemas.js';

export type { Partition } from '../auth/types.js';
export type { HostsmithClientOptions, RequestOptions } from './client-options.js';
export { HostsmithError } from './errors.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class HostsmithClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;

  constructor(private readonly opts: HostsmithClientOptions) {
    this.base = new URL(opts.apiUrl.replace(/\/+$/, ''));
    this.ownsDispatcher = !opts.dispatcher;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Proxies and NO_PROXY as for OAuth (../net/dispatcher.ts); uploads use this pool too.
    this.dispatcher =
      opts.dispatcher ??
      createDispatcher({ timeoutMs: this.timeoutMs, connections: 16, keepAliveTimeoutMs: 10_000 });
  }

  /** Who a brand-new access token belongs to, before anything is stored (GET /v1/account). */
  static async describeAccount(opts: {
    apiUrl: string;
    accessToken: string;
    userAgent: string;
    timeoutMs?: number;
  }): Promise<Account> {
    const token = opts.accessToken;
    const session: Session = {
      accessToken: async () => token,
      afterUnauthorized: async () => {
        throw new HostsmithError({
          code: 'unauthorized',
          message: 'Hostsmith refused the new access token.',
          operation: 'GET /v1/account',
          status: 401,
        });
      },
      beginSignIn: async () => {
        throw new Error('not available while describing an account');
      },
      account: async () => undefined,
    };
    const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const client = new HostsmithClient({
      apiUrl: opts.apiUrl,
      session,
      log: quiet,
      userAgent: opts.userAgent,
      timeoutMs: opts.timeoutMs,
    });
    try {
      const account = await client.getAccount();
      return { email: account.user.email, homePartition: account.user.homePartition };
    } finally {
      await client.close();
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close().catch(() => {});
  }

  async request<T>(opts: RequestOptions<T>): Promise<T> {
    const operation = `${opts.method} ${opts.path}`;
    const url = requestUrl(this.base, opts.path);
    if (opts.partition) url.searchParams.set('partition', opts.partition);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Which failures are tried again is the table's (./retry-policy.ts); `retry: 'caller'`
    // leaves dropped connections and 5xx to a caller that counts its own tries.
    const ours = opts.retry !== 'caller';
    const may = (outcome: Outcome) => mayRetry(opts.method, outcome);
    const maxWait = this.opts.maxRetryAfterSeconds ?? RETRY_LIMITS.maxRetryAfterSeconds;
    const maxWaits = this.opts.maxRateLimitRetries ?? RETRY_LIMITS.maxRetryAfterWaits;
    const backoff = (failures: number) => backoffMs(failures, this.opts.retryBaseDelayMs);

    let token = await this.opts.session.accessToken();
    let unauthorized = 0;
    let waits = 0;
    let failures = 0;
    for (;;) {
      let res: RawResponse;
      try {
        res = await this.send(url, opts, token);
      } catch (error) {
        if (opts.signal?.aborted) throw error;
        const outcome = outcomeOf(error) ?? { kind: 'dropped' };
        failures += 1;
        // A certificate that fails verification fails the same way on every try.
        const again = ours && !certificateProblem(error, url);
        if (again && failures < RETRY_LIMITS.attempts && may(outcome)) {
          await sleep(backoff(failures), opts.signal);
          continue;
        }
        throw unreached(error, outcome, operation, this.timeoutMs, url);
      }

      if (res.status === 401 && unauthorized < 2) {
        unauthorized += 1;
        // The Session refreshes once; on a second 401 it ends the grant (SignInRequired).
        token = await this.opts.session.afterUnauthorized(token);
        continue;
      }
      if (res.status === 429 || res.status === 503) {
        const wait = retryAfterSeconds(res.headers['retry-after']);
        if (may({ kind: 'status', status: res.status }) && waits < maxWaits && (wait ?? 1) <= maxWait) {
          waits += 1;
          await sleep((wait ?? 1) * 1000, opts.signal);
          continue;
        }
        throw failure(res, operation, wait);
      }
      if (res.status >= 500) {
        failures += 1;
        if (ours && failures < RETRY_LIMITS.attempts && may({ kind: 'status', status: res.status })) {
          await sleep(backoff(failures), opts.signal);
          continue;
        }
      }
      if (res.status >= 400) throw failure(res, operation);
      if (res.status >= 300) throw redirectError(res.status, res.headers.location, operation, this.base);
      return parseAnswer(res, operation, opts.schema);
    }
  }

  private async send(url: URL, opts: RequestOptions<unknown>, token: string): Promise<RawResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': this.opts.userAgent,
    };
    let body: string | Buffer | Readable | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    } else if (opts.body) {
      body = opts.body();
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
      if (opts.contentLength !== undefined) headers['content-length'] = String(opts.contentLength);
    }
    const timeout = this.timeoutMs;
    const res = await undiciRequest(url, {
      method: opts.method,
      headers,
      body,
      dispatcher: this.dispatcher,
      signal: opts.signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  // ---- typed calls -------------------------------------------------------------------------

  getAccount(partition?: Partition, signal?: AbortSignal): Promise<AccountInfo> {
    return this.request({ method: 'GET', path: ROUTES.account, partition, schema: AccountSchema, signal });
  }

  listSites(opts: { partition?: Partition; limit?: number; cursor?: string; signal?: AbortSignal } = {}) {
    return this.request({
      method: 'GET',
      path: ROUTES.sites,
      partition: opts.partition,
      query: { limit: opts.limit, cursor: opts.cursor },
      schema: SiteListSchema,
      signal: opts.signal,
    });
  }

  async getSite(siteId: string, partition?: Partition, signal?: AbortSignal): Promise<Site> {
    return this.request({ method: 'GET', path: ROUTES.site(siteId), partition, schema: SiteSchema, signal });
  }

  createSite(name: string, partition?: Partition, signal?: AbortSignal): Promise<Site> {
    return this.request({
      method: 'POST',
      path: ROUTES.sites,
      partition,
      json: { name },
      schema: SiteSchema,
      signal,
    });
  }

  async updateSite(
    siteId: string,
    changes: { name?: string; indexDocument?: string; errorDocument?: string | null },
    partition?: Partition,
    signal?: AbortSignal,
  ): Promise<Site> {
    return this.request({
      method: 'PATCH',
      path: ROUTES.site(siteId),
      partition,
      json: changes,
      schema: SiteSchema,
      signal,
    });
  }

  async deleteSite(siteId: string, partition?: Partition, signal?: AbortSignal): Promise<void> {
    await this.request({ method: 'DELETE', path: ROUTES.site(siteId), partition, signal });
  }

  async listFiles(siteId: string, partition?: Partition, signal?: AbortSignal): Promise<SiteFile[]> {
    return (
      await this.request({
        method: 'GET',
        path: ROUTES.files(siteId),
        partition,
        schema: FileListSchema,
        signal,
      })
    ).files;
  }

  async putFile(
    siteId: string,
    path: string,
    bytes: Buffer,
    contentType: string,
    partition?: Partition,
    signal?: AbortSignal,
  ): Promise<SiteFile> {
    return this.request({
      method: 'PUT',
      path: ROUTES.file(siteId, path),
      partition,
      body: () => bytes,
      contentType,
      contentLength: bytes.length,
      schema: FileSchema,
      signal,
    });
  }

  async deleteFile(siteId: string, path: string, partition?: Partition, signal?: AbortSignal): Promise<void> {
    await this.request({ method: 'DELETE', path: ROUTES.file(siteId, path), partition, signal });
  }

  async listDomains(partition?: Partition, signal?: AbortSignal): Promise<Domain[]> {
    return (
      await this.request({ method: 'GET', path: ROUTES.domains, partition, schema: DomainListSchema, signal })
    ).domains;
  }
}
