// What a route handler gets, and what it answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Partition, SandboxUser, TokenInfo } from '../types.js';
import { ApiError } from './http.js';
import type { SiteRecord, Store } from './model.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Route parameters, already percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, for routes that take one. */
  body: unknown;
  user: SandboxUser;
  token: TokenInfo;
  partition: Partition;
  store: Store;
  /** The API's base URL, for Site.url. */
  api: string;
  now(): Date;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

/** The caller's site in the asked partition; another user's site, or one elsewhere, is 404. */
export function findSite(ctx: RouteContext): SiteRecord {
  const site = ctx.store.sites.get(ctx.params.siteId ?? '');
  if (!site || site.ownerId !== ctx.user.id || site.partition !== ctx.partition) {
    throw new ApiError('not_found', `no site ${ctx.params.siteId} in partition ${ctx.partition}`);
  }
  return site;
}
