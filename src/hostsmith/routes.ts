// Every path of the Hostsmith REST API, in one place, and the one way a path becomes a URL.
// An argument can fill its own segment and nothing more: each segment is percent-encoded, and
// one that URL parsing would resolve away ('', '.', '..') is refused, because `new URL()` drops
// dot segments (`/v1/sites/..` is `/v1/`) and `%2e` counts as a dot there too.
import { HostsmithError } from './errors.js';

/** A site id as the API issues them (`site_…`); the contract keeps ids opaque beyond that. */
export const SITE_ID = /^site_[A-Za-z0-9_-]{1,250}$/;

/** The API's site-name rule. */
export const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** What is wrong with a site path under the contract's rule, or undefined when it is fine. */
export function sitePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.length > 1024) return `is ${path.length} characters, over the 1024 a site path may have`;
  if (path.includes('\0')) return 'must not contain a NUL character';
  if (path.includes('\\')) return 'must not contain a backslash (separate folders with "/")';
  // A lone surrogate has no UTF-8 form, so it cannot be sent at all.
  if (/\p{Cs}/u.test(path)) return 'is not valid Unicode (it holds a lone surrogate)';
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return 'must be relative and "/"-separated, with no empty, "." or ".." segment (e.g. "css/site.css")';
  }
  return undefined;
}

/**
 * The contract's path rule: relative, `/`-separated, at most 1024 characters, no empty, `.` or
 * `..` segment, no NUL or backslash (and well-formed Unicode, so it can be encoded).
 */
export const isValidSitePath = (path: string): boolean => sitePathProblem(path) === undefined;

function refuse(what: string, value: string, problem: string): never {
  throw new HostsmithError({
    code: 'invalid_argument',
    message: `Not sent to Hostsmith: the ${what} ${JSON.stringify(value.slice(0, 80))} ${problem}.`,
    operation: `build the ${what} into a request path`,
  });
}

/** One path segment: percent-encoded, never one that URL parsing would remove or merge. */
function segment(what: string, value: string): string {
  if (value === '' || value === '.' || value === '..') {
    refuse(what, value, 'would change the request route (an empty, "." or ".." segment)');
  }
  if (/\p{Cs}/u.test(value)) refuse(what, value, 'is not valid Unicode (it holds a lone surrogate)');
  return encodeURIComponent(value);
}

/** A site path keeps its '/' separators; each segment is encoded. */
function sitePath(path: string): string {
  const problem = sitePathProblem(path);
  if (problem) refuse('site path', path, problem);
  return path.split('/').map(encodeURIComponent).join('/');
}

const site = (siteId: string) => `/v1/sites/${segment('site id', siteId)}`;
const deploy = (siteId: string, deployId: string) =>
  `${site(siteId)}/deploys/${segment('deploy id', deployId)}`;

export const ROUTES = {
  account: '/v1/account',
  sites: '/v1/sites',
  site,
  files: (siteId: string) => `${site(siteId)}/files`,
  file: (siteId: string, path: string) => `${site(siteId)}/files/${sitePath(path)}`,
  deploys: (siteId: string) => `${site(siteId)}/deploys`,
  deploy,
  blob: (siteId: string, deployId: string, sha256: string) =>
    `${deploy(siteId, deployId)}/blobs/${segment('blob digest', sha256)}`,
  publish: (siteId: string, deployId: string) => `${deploy(siteId, deployId)}/publish`,
  domains: '/v1/domains',
} as const;

/**
 * The URL of `path` (a ROUTES value) under the API base URL, which may carry a path prefix.
 * Refuses a path that URL parsing would change, so that only what ROUTES built goes out.
 */
export function requestUrl(base: URL, path: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(prefix + path, base);
  const changed = url.origin !== base.origin || url.pathname !== prefix + path || url.search || url.hash;
  // Every ROUTES path is '/'-led segments, none of them empty.
  if (changed || !/^(?:\/[^/]+)+$/.test(path)) {
    throw new HostsmithError({
      code: 'invalid_argument',
      message: `Not sent to Hostsmith: the request path ${JSON.stringify(path.slice(0, 200))} would not reach the route it names.`,
      operation: path,
    });
  }
  return url;
}
