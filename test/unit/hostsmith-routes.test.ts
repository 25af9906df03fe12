// The route table is the only way out: every ROUTES function, fed hostile ids and paths in each
// argument, either refuses (HostsmithError invalid_argument) or yields a path that, after
// `new URL(route, base)`, still matches that route's pattern with each argument decoded back
// from its own segment. requestUrl refuses what URL parsing would change, and the client
// refuses before it asks for a token or sends anything.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { matchRoute } from '../../sandbox/api/routes.js';
import type { Session } from '../../src/auth/types.js';
import { HostsmithClient, HostsmithError } from '../../src/hostsmith/client.js';
import { createDeploy, publishDeploy, uploadBlob } from '../../src/hostsmith/deploys.js';
import { isValidSitePath, ROUTES, requestUrl, SITE_ID } from '../../src/hostsmith/routes.js';
import { createLogger } from '../../src/log.js';

const HOSTILE = [
  '',
  '.',
  '..',
  '%2e',
  '%2e%2e',
  '%2E.',
  '.%2e',
  'a/b',
  '../..',
  'site_x/../..',
  '%2F',
  'a%2F..%2Fb',
  '%5C..',
  '\\..',
  '..\\..',
  '\0',
  'a\0b',
  '%00',
  '?x',
  'a?partition=eu',
  '#x',
  ';x',
  '%',
  '%zz',
  '//evil.example/x',
  'http://evil.example/',
  '@evil.example',
  ' ',
  '\t\n',
  'é',
  'e\u0301',
  '😀',
  '\u202e',
  '\ufeff',
  '\ud800',
  'a\udc00',
  '~',
  "*'()!",
  'x'.repeat(2000),
];

const SITE = 'site_0123abcd';
const DEPLOY = 'dep_0123abcd';
const SHA = 'a'.repeat(64);

type Arg = 'siteId' | 'path' | 'deployId' | 'sha256';
const VALID: Record<Arg, string> = { siteId: SITE, path: 'css/site.css', deployId: DEPLOY, sha256: SHA };

/** What each route is: its method (for the API's table), its arguments, and its path pattern. */
interface Spec {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  args: Arg[];
  /** One capture group per argument, in order; a path capture may span segments. */
  pattern: RegExp;
}
const SEG = '([^/]+)';
const SPECS: Record<keyof typeof ROUTES, Spec> = {
  account: { method: 'GET', args: [], pattern: /^\/v1\/account$/ },
  sites: { method: 'GET', args: [], pattern: /^\/v1\/sites$/ },
  site: { method: 'GET', args: ['siteId'], pattern: new RegExp(`^/v1/sites/${SEG}$`) },
  files: { method: 'GET', args: ['siteId'], pattern: new RegExp(`^/v1/sites/${SEG}/files$`) },
  file: {
    method: 'PUT',
    args: ['siteId', 'path'],
    pattern: new RegExp(`^/v1/sites/${SEG}/files/([^/]+(?:/[^/]+)*)$`),
  },
  deploys: { method: 'POST', args: ['siteId'], pattern: new RegExp(`^/v1/sites/${SEG}/deploys$`) },
  deploy: {
    method: 'GET',
    args: ['siteId', 'deployId'],
    pattern: new RegExp(`^/v1/sites/${SEG}/deploys/${SEG}$`),
  },
  blob: {
    method: 'PUT',
    args: ['siteId', 'deployId', 'sha256'],
    pattern: new RegExp(`^/v1/sites/${SEG}/deploys/${SEG}/blobs/${SEG}$`),
  },
  publish: {
    method: 'POST',
    args: ['siteId', 'deployId'],
    pattern: new RegExp(`^/v1/sites/${SEG}/deploys/${SEG}/publish$`),
  },
  domains: { method: 'GET', args: [], pattern: /^\/v1\/domains$/ },
};

const BASES = [new URL('http://127.0.0.1:8787'), new URL('https://api.example.com/hostsmith/')];

type RouteFn = (...args: string[]) => string;
const routeOf = (name: keyof typeof ROUTES, args: string[]): string => {
  const route = ROUTES[name] as string | RouteFn;
  return typeof route === 'string' ? route : route(...args);
};

/** Whether the route layer must refuse `value` as `arg`: what no URL could carry as one segment. */
function mustRefuse(arg: Arg, value: string): boolean {
  if (arg === 'path') return !isValidSitePath(value);
  return value === '' || value === '.' || value === '..' || /\p{Cs}/u.test(value);
}

/** The arguments back from a pathname (after the base's prefix), or null when it is off pattern. */
function argsFrom(spec: Spec, pathname: string): string[] | null {
  const m = spec.pattern.exec(pathname);
  if (!m) return null;
  return m
    .slice(1)
    .map((raw, i) =>
      spec.args[i] === 'path' ? raw.split('/').map(decodeURIComponent).join('/') : decodeURIComponent(raw),
    );
}

function refusal(fn: () => unknown): HostsmithError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error as HostsmithError;
  }
}

describe('ROUTES', () => {
  it('every route has a spec here, so a new route cannot skip these checks', () => {
    expect(Object.keys(SPECS).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [name, spec] of Object.entries(SPECS)) {
      const route = ROUTES[name as keyof typeof ROUTES];
      expect(typeof route === 'string' ? 0 : route.length, name).toBe(spec.args.length);
    }
  });

  it('valid arguments give the API routes the sandbox serves, arguments decoded back', () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      const args = spec.args.map((a) => VALID[a]);
      const path = routeOf(name as keyof typeof ROUTES, args);
      expect(argsFrom(spec, path), name).toEqual(args);
      const match = matchRoute(spec.method, path);
      expect(match.kind, `${spec.method} ${path}`).toBe('found');
      if (match.kind === 'found') expect(Object.values(match.params), name).toEqual(args);
    }
  });

  it('a hostile argument is refused, or stays inside its own segment after new URL()', () => {
    let checked = 0;
    let refused = 0;
    for (const [name, spec] of Object.entries(SPECS)) {
      spec.args.forEach((arg, position) => {
        for (const value of HOSTILE) {
          const args = spec.args.map((a, i) => (i === position ? value : VALID[a]));
          const what = `${name}(${args.map((a) => JSON.stringify(a.slice(0, 40))).join(', ')})`;
          let route: string | undefined;
          const error = refusal(() => {
            route = routeOf(name as keyof typeof ROUTES, args);
          });
          expect(error === undefined, `${what}: refused ${error?.message}`).toBe(!mustRefuse(arg, value));
          if (error) {
            expect(error, what).toBeInstanceOf(HostsmithError);
            expect(error.code, what).toBe('invalid_argument');
            expect(error.message, what).toMatch(
              /^Not sent to Hostsmith: the (site id|site path|deploy id|blob digest) /,
            );
            refused += 1;
            continue;
          }
          for (const base of BASES) {
            const prefix = base.pathname.replace(/\/+$/, '');
            const url = new URL(prefix + route, base);
            expect(url.origin, what).toBe(base.origin);
            expect(url.search + url.hash, what).toBe('');
            expect(url.pathname.startsWith(`${prefix}/`), what).toBe(true);
            expect(argsFrom(spec, url.pathname.slice(prefix.length)), what).toEqual(args);
            expect(requestUrl(base, route!).href, what).toBe(url.href);
          }
          checked += 1;
        }
      });
    }
    // Both outcomes happened, for every argument kind: the loop above proved something.
    expect(refused).toBeGreaterThan(20);
    expect(checked).toBeGreaterThan(100);
  });

  it('a site path keeps its folders as segments; the contract rule refuses the rest', () => {
    expect(ROUTES.file(SITE, 'ünï/a b/+&=;.txt')).toBe(
      `/v1/sites/${SITE}/files/%C3%BCn%C3%AF/a%20b/%2B%26%3D%3B.txt`,
    );
    for (const bad of ['', '/x', 'x/', 'a//b', 'a/./b', 'a/../b', 'a\\b', 'a\0b', 'x'.repeat(1025)]) {
      expect(refusal(() => ROUTES.file(SITE, bad))?.code, JSON.stringify(bad.slice(0, 20))).toBe(
        'invalid_argument',
      );
    }
  });
});

describe('requestUrl', () => {
  it('refuses a path that URL parsing would change or send elsewhere', () => {
    const hostile = [
      '/v1/sites/..',
      '/v1/sites/.',
      '/v1/sites/%2e%2e/x',
      '/v1/sites/.%2E',
      '/v1/sites/a\\..\\..',
      '/v1/sites/a b',
      '/v1/sites/x?partition=eu',
      '/v1/sites/x#y',
      '//evil.example/v1/sites',
      '/v1/sites/\0',
    ];
    for (const base of BASES) {
      for (const path of hostile) {
        const error = refusal(() => requestUrl(base, path));
        expect(error, `${base.href} ${JSON.stringify(path)}`).toBeInstanceOf(HostsmithError);
        expect(error?.code).toBe('invalid_argument');
      }
    }
  });

  it('keeps the base URL path prefix', () => {
    expect(requestUrl(new URL('https://api.example.com/hostsmith/'), ROUTES.site(SITE)).href).toBe(
      `https://api.example.com/hostsmith/v1/sites/${SITE}`,
    );
    expect(requestUrl(new URL('http://127.0.0.1:8787'), ROUTES.account).href).toBe(
      'http://127.0.0.1:8787/v1/account',
    );
  });
});

describe('the site id rule', () => {
  it('accepts the ids the API issues and nothing that could move a route', () => {
    for (const id of ['site_0123abcdef', 'site_A-b_c', `site_${'x'.repeat(250)}`])
      expect(SITE_ID.test(id)).toBe(true);
    for (const id of HOSTILE) expect(SITE_ID.test(id), JSON.stringify(id)).toBe(false);
    for (const id of [
      'site_',
      'site_a/b',
      'site_..',
      'site_%2F',
      'usr_1',
      `site_${'x'.repeat(251)}`,
      'SITE_x',
    ]) {
      expect(SITE_ID.test(id), id).toBe(false);
    }
  });
});

// The real client on a local server that counts requests; only its Session is faked.
let requests = 0;
let tokens = 0;
const server = createServer((_req, res) => {
  requests += 1;
  res.writeHead(500).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const session: Session = {
  accessToken: async () => {
    tokens += 1;
    return 'unit-test-token';
  },
  afterUnauthorized: async () => 'unit-test-token',
  beginSignIn: async () => {
    throw new Error('no sign-in here');
  },
  account: async () => undefined,
};
const api = new HostsmithClient({
  apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  session,
  log: createLogger({ write: () => {} }),
  userAgent: 'routes-test',
});
afterAll(async () => {
  await api.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('the client refuses before it asks for a token or sends anything', () => {
  it('for every typed call and deploy call with a dot-segment id, as a rejected promise', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['getSite', () => api.getSite('..')],
      ['updateSite', () => api.updateSite('.', { name: 'x' })],
      ['deleteSite', () => api.deleteSite('..')],
      ['listFiles', () => api.listFiles('.')],
      ['putFile', () => api.putFile(SITE, '../x', Buffer.from('x'), 'text/plain')],
      ['deleteFile', () => api.deleteFile('..', 'x')],
      ['createDeploy', () => createDeploy(api, { siteId: '..' }, {})],
      ['publishDeploy', () => publishDeploy(api, { siteId: SITE }, '..')],
      [
        'uploadBlob',
        () =>
          uploadBlob(
            api,
            { siteId: SITE },
            {
              deployId: DEPLOY,
              sha256: '..',
              size: 1,
              contentType: 'text/plain',
              open: () => Buffer.from('x'),
            },
          ),
      ],
      ['request', () => api.request({ method: 'DELETE', path: '/v1/sites/..' })],
    ];
    for (const [name, run] of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = run();
      }, `${name} threw synchronously`).not.toThrow();
      const error = await promise!.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(HostsmithError);
      expect((error as HostsmithError).code, name).toBe('invalid_argument');
    }
    expect({ requests, tokens }).toEqual({ requests: 0, tokens: 0 });
    // The same client does send a valid call: the zero above is not a dead server.
    await expect(api.getSite(SITE)).rejects.toMatchObject({ status: 500 });
    expect(requests).toBeGreaterThan(0);
  });
});
