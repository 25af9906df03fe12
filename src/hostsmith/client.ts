// The typed Hostsmith REST client: one keep-alive connection pool for the API origin, the
// bearer token from the Session, one refresh-and-retry on 401, Retry-After honoured on 429/503
// (bounded), and every failure as a HostsmithError with a stable code.
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import type * as z from 'zod/v4';
import type { Account, Partition, Session } from '../auth/types.js';
import type { Logger } from '../log.js';
import { HostsmithError, redirectError } from './errors.js';
import { ROUTES, requestUrl } from './routes.js';
import {
  type AccountInfo,
  AccountSchema,
  type Domain,
  DomainListSchema,
  ErrorBodySchema,
  FileListSchema,
  FileSchema,
  type Site,
  type SiteFile,
  SiteListSchema,
  SiteSchema,
} from './schemas.js';

export type { Partition } from '../auth/types.js';
export { HostsmithError } from './errors.js';

export interface RequestOptions<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Already percent-encoded. */
  path: string;
  partition?: Partition;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A factory, so a retry re-creates the stream. */
  body?: () => Readable | Buffer;
  contentType?: string;
  contentLength?: number;
  schema?: z.ZodType<T>;
  /** 'safe' (default for GET, PUT, DELETE): one retry on a network error or a 5xx. */
  retry?: 'safe' | 'none';
  signal?: AbortSignal;
}

export interface HostsmithClientOptions {
  apiUrl: string;
  session: Session;
  log: Logger;
  userAgent: string;
  dispatcher?: Dispatcher;
  /** The longest Retry-After we wait out inside one call (10 s), and how often (2). */
  maxRetryAfterSeconds?: number;
  maxRateLimitRetries?: number;
  timeoutMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export class HostsmithClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly opts: HostsmithClientOptions) {
    this.base = new URL(opts.apiUrl.replace(/\/+$/, ''));
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({ keepAliveTimeout: 10_000, connections: 16, connect: { timeout: 10_000 } });
  }

  /** Who a brand-new access token belongs to, before anything is stored (GET /v1/account). */
  static async describeAccount(opts: {
    apiUrl: string;
    accessToken: string;
    userAgent: string;
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
    const safe =
      (opts.retry ?? (opts.method === 'POST' || opts.method === 'PATCH' ? 'none' : 'safe')) === 'safe';
    const maxWait = this.opts.maxRetryAfterSeconds ?? 10;
    const maxLimited = this.opts.maxRateLimitRetries ?? 2;

    let token = await this.opts.session.accessToken();
    let unauthorized = 0;
    let limited = 0;
    let transient = 0;
    for (;;) {
      let res: RawResponse;
      try {
        res = await this.send(url, opts, token);
      } catch (error) {
        if (opts.signal?.aborted) throw error;
        const timeout = (error as { code?: string }).code?.includes('TIMEOUT');
        if (safe && transient === 0) {
          transient += 1;
          await sleep(300, opts.signal);
          continue;
        }
        throw new HostsmithError({
          code: timeout ? 'timeout' : 'network',
          message: `Could not reach Hostsmith (${operation}): ${(error as Error).message}`,
          operation,
          cause: error,
        });
      }

      if (res.status === 401 && unauthorized < 2) {
        unauthorized += 1;
        // The Session refreshes once; on a second 401 it ends the grant (SignInRequired).
        token = await this.opts.session.afterUnauthorized(token);
        continue;
      }
      if (res.status === 429 || res.status === 503) {
        const wait = retryAfterSeconds(res.headers['retry-after']);
        if (limited < maxLimited && (wait ?? 1) <= maxWait) {
          limited += 1;
          await sleep((wait ?? 1) * 1000, opts.signal);
          continue;
        }
        throw this.failure(res, operation, wait);
      }
      if (res.status >= 500 && safe && transient === 0) {
        transient += 1;
        await sleep(300, opts.signal);
        continue;
      }
      if (res.status >= 400) throw this.failure(res, operation);
      if (res.status >= 300) throw redirectError(res.status, res.headers.location, operation, this.base);
      // Nothing to read is an answer only where nothing was expected.
      if (res.status === 204 || (res.text === '' && !opts.schema)) return undefined as T;
      let json: unknown;
      try {
        json = JSON.parse(res.text);
      } catch {
        throw new HostsmithError({
          code: 'malformed_response',
          message: `Hostsmith answered ${operation} with something that is not JSON.`,
          operation,
          status: res.status,
        });
      }
      if (!opts.schema) return json as T;
      const parsed = opts.schema.safeParse(json);
      if (!parsed.success) {
        throw new HostsmithError({
          code: 'malformed_response',
          message: `Hostsmith's answer to ${operation} was not in the expected shape (${parsed.error.issues[0]?.message ?? 'invalid'}).`,
          operation,
          status: res.status,
        });
      }
      return parsed.data;
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
    const timeout = this.opts.timeoutMs ?? 30_000;
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

  private failure(res: RawResponse, operation: string, retryAfter?: number): HostsmithError {
    let code = res.status >= 500 ? 'unavailable' : `http_${res.status}`;
    let message = `Hostsmith answered ${res.status} to ${operation}.`;
    let details: unknown;
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(res.text));
      if (parsed.success) {
        code = parsed.data.error.code;
        message = parsed.data.error.message;
        const { code: _c, message: _m, ...rest } = parsed.data.error;
        if (Object.keys(rest).length > 0) details = rest;
      }
    } catch {
      // Not JSON (a proxy's page, a dropped body): keep the status-based code.
    }
    if (res.status === 403) {
      const scope = /scope="([^"]*)"/.exec(String(res.headers['www-authenticate'] ?? ''))?.[1];
      if (scope) details = { ...(details as object), scope };
    }
    return new HostsmithError({ code, message, operation, status: res.status, retryAfter, details });
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
