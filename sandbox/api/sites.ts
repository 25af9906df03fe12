// /v1/sites: list (cursor pagination), create, read, update, delete.
import * as z from 'zod/v4';
import type { Handler, RouteContext } from './context.js';
import { findSite } from './context.js';
import { ApiError } from './http.js';
import { compareSites, newId, type SiteRecord } from './model.js';
import { isValidFilePath, SITE_NAME } from './paths.js';
import { siteView } from './views.js';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 100;

const Cursor = z.object({ p: z.string(), u: z.string(), c: z.string(), i: z.string() });

function encodeCursor(ctx: RouteContext, site: SiteRecord): string {
  const json = JSON.stringify({ p: ctx.partition, u: ctx.user.id, c: site.createdAt, i: site.id });
  return Buffer.from(json).toString('base64url');
}

function decodeCursor(ctx: RouteContext, raw: string): z.infer<typeof Cursor> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const cursor = Cursor.safeParse(parsed);
  // A cursor only continues the listing it came from: same user, same partition.
  if (!cursor.success || cursor.data.p !== ctx.partition || cursor.data.u !== ctx.user.id) {
    throw new ApiError('invalid_request', 'cursor is not valid for this listing');
  }
  return cursor.data;
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE) {
    throw new ApiError('invalid_request', `limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  return Number(raw);
}

export const listSites: Handler = (ctx) => {
  const limit = parseLimit(ctx.query.get('limit'));
  const rawCursor = ctx.query.get('cursor');
  let sites = ctx.store.sitesOf(ctx.user.id, ctx.partition);
  if (rawCursor !== null && rawCursor !== '') {
    const after = decodeCursor(ctx, rawCursor);
    sites = sites.filter((s) => compareSites(s, { createdAt: after.c, id: after.i }) > 0);
  }
  const page = sites.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = sites.length > limit && last ? encodeCursor(ctx, last) : null;
  return { status: 200, body: { sites: page.map((s) => siteView(ctx.api, s)), nextCursor } };
};

const SiteName = z.string().regex(SITE_NAME, 'a site name is 1–63 of a-z, 0-9 and inner hyphens');
const DocumentPath = z.string().refine(isValidFilePath, 'not a valid file path');

const CreateBody = z.strictObject({ name: SiteName });
const PatchBody = z.strictObject({
  name: SiteName.optional(),
  indexDocument: DocumentPath.optional(),
  errorDocument: DocumentPath.nullable().optional(),
});

export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new ApiError('invalid_request', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}

function assertNameFree(ctx: RouteContext, name: string, except?: string): void {
  const taken = ctx.store.siteByName(ctx.partition, name);
  if (taken && taken.id !== except) {
    throw new ApiError('conflict', `the name ${name} is taken in partition ${ctx.partition}`);
  }
}

export const createSite: Handler = (ctx) => {
  const { name } = parseBody(CreateBody, ctx.body);
  assertNameFree(ctx, name);
  const now = ctx.now().toISOString();
  const site: SiteRecord = {
    id: newId('site'),
    ownerId: ctx.user.id,
    partition: ctx.partition,
    name,
    createdAt: now,
    updatedAt: now,
    indexDocument: 'index.html',
    errorDocument: null,
    liveDeployId: null,
    files: new Map(),
    customDomains: [],
  };
  ctx.store.sites.set(site.id, site);
  ctx.store.changed();
  return { status: 201, body: siteView(ctx.api, site) };
};

export const getSite: Handler = (ctx) => ({ status: 200, body: siteView(ctx.api, findSite(ctx)) });

export const patchSite: Handler = (ctx) => {
  const site = findSite(ctx);
  const patch = parseBody(PatchBody, ctx.body);
  if (patch.name !== undefined) assertNameFree(ctx, patch.name, site.id);
  if (patch.name !== undefined) site.name = patch.name;
  if (patch.indexDocument !== undefined) site.indexDocument = patch.indexDocument;
  if (patch.errorDocument !== undefined) site.errorDocument = patch.errorDocument;
  site.updatedAt = ctx.now().toISOString();
  ctx.store.changed();
  return { status: 200, body: siteView(ctx.api, site) };
};

export const deleteSite: Handler = (ctx) => {
  const site = findSite(ctx);
  ctx.store.deleteSite(site.id);
  ctx.store.changed();
  return { status: 204 };
};
