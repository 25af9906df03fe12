// Every path of the Hostsmith REST API the tools use, in one place (deploys: ./deploys.ts).
const enc = encodeURIComponent;

/** A file path keeps its '/' separators; each segment is encoded. */
const encodePath = (path: string) => path.split('/').map(enc).join('/');

export const ROUTES = {
  account: '/v1/account',
  sites: '/v1/sites',
  site: (siteId: string) => `/v1/sites/${enc(siteId)}`,
  files: (siteId: string) => `/v1/sites/${enc(siteId)}/files`,
  file: (siteId: string, path: string) => `/v1/sites/${enc(siteId)}/files/${encodePath(path)}`,
  domains: '/v1/domains',
} as const;

/** The API's site-name rule. */
export const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
