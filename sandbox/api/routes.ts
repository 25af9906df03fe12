// The routes table: every path, method and scope of the API in one place (hostsmith-api.md).
// Success statuses are in the handlers; error statuses in http.ts (ERROR_STATUS).
import type { Scope } from '../types.js';
import { getAccount } from './account.js';
import type { Handler } from './context.js';
import { createDeploy, getDeploy, publishDeploy, putBlob } from './deploys.js';
import { listDomains } from './domains.js';
import { deleteFile, listFiles, putFile } from './files.js';
import { decodeParam } from './paths.js';
import type { RateClass } from './rate-limit.js';
import { createSite, deleteSite, getSite, listSites, patchSite } from './sites.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  method: Method;
  /** `:name` matches one segment; a final `*name` matches the rest (a file path). */
  path: string;
  /** null: any valid token will do. */
  scope: Scope | null;
  /** Which rate-limit budget the call spends. */
  rate: RateClass;
  /** The pipeline reads and parses a JSON body before the handler runs. */
  jsonBody?: true;
  handler: Handler;
}

export const PROTECTED_RESOURCE_METADATA = '/.well-known/oauth-protected-resource';
export const SITES_PREFIX = '/s/';
export const WINDOW_PREFIX = '/_sandbox/';

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/account', scope: null, rate: 'json', handler: getAccount },
  { method: 'GET', path: '/v1/sites', scope: 'sites:read', rate: 'json', handler: listSites },
  {
    method: 'POST',
    path: '/v1/sites',
    scope: 'sites:write',
    rate: 'json',
    jsonBody: true,
    handler: createSite,
  },
  { method: 'GET', path: '/v1/sites/:siteId', scope: 'sites:read', rate: 'json', handler: getSite },
  {
    method: 'PATCH',
    path: '/v1/sites/:siteId',
    scope: 'sites:write',
    rate: 'json',
    jsonBody: true,
    handler: patchSite,
  },
  { method: 'DELETE', path: '/v1/sites/:siteId', scope: 'sites:write', rate: 'json', handler: deleteSite },
  { method: 'GET', path: '/v1/sites/:siteId/files', scope: 'sites:read', rate: 'json', handler: listFiles },
  {
    method: 'PUT',
    path: '/v1/sites/:siteId/files/*path',
    scope: 'files:write',
    rate: 'upload',
    handler: putFile,
  },
  {
    method: 'DELETE',
    path: '/v1/sites/:siteId/files/*path',
    scope: 'files:write',
    rate: 'json',
    handler: deleteFile,
  },
  {
    method: 'POST',
    path: '/v1/sites/:siteId/deploys',
    scope: 'files:write',
    rate: 'json',
    jsonBody: true,
    handler: createDeploy,
  },
  {
    method: 'GET',
    path: '/v1/sites/:siteId/deploys/:deployId',
    scope: 'files:write',
    rate: 'json',
    handler: getDeploy,
  },
  {
    method: 'PUT',
    path: '/v1/sites/:siteId/deploys/:deployId/blobs/:sha256',
    scope: 'files:write',
    rate: 'upload',
    handler: putBlob,
  },
  {
    method: 'POST',
    path: '/v1/sites/:siteId/deploys/:deployId/publish',
    scope: 'files:write',
    rate: 'json',
    handler: publishDeploy,
  },
  { method: 'GET', path: '/v1/domains', scope: 'domains:read', rate: 'json', handler: listDomains },
];

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: Method[] }
  | { kind: 'not_found' };

/** Matches a raw (still percent-encoded) path, so `..` or `%2e%2e` reach the path rules unchanged. */
function matchPath(pattern: string, rawPath: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = rawPath.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    if (w.startsWith('*')) {
      const rest = got.slice(i).join('/');
      if (i >= got.length) return null;
      // A malformed escape leaves it empty: a bad path (400 from the handler), not a missing route.
      params[w.slice(1)] = decodeParam(rest) ?? '';
      return params;
    }
    const g = got[i];
    if (g === undefined) return null;
    if (w.startsWith(':')) {
      const decoded = decodeParam(g);
      if (decoded === undefined || decoded === '') return null;
      params[w.slice(1)] = decoded;
    } else if (w !== g) {
      return null;
    }
  }
  return got.length === want.length ? params : null;
}

export function matchRoute(method: string, rawPath: string): RouteMatch {
  const allow: Method[] = [];
  for (const route of ROUTES) {
    const params = matchPath(route.path, rawPath);
    if (!params) continue;
    if (route.method === method) return { kind: 'found', route, params };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
}

/** True for paths the API owns (so a miss there is a JSON 404 with auth semantics). */
export function isApiPath(rawPath: string): boolean {
  return rawPath === '/v1' || rawPath.startsWith('/v1/');
}
