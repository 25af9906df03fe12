// Who may call what: protected-resource metadata, 401 with WWW-Authenticate, 403 per scope,
// partition defaulting, unknown routes and methods.
import { describe, expect, test } from 'vitest';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox();

interface Site {
  id: string;
  name: string;
  partition: string;
}

describe('protected-resource metadata (RFC 9728)', () => {
  test('names the resource, the issuer and the scopes, without a token', async () => {
    const r = await call<{
      resource: string;
      authorization_servers: string[];
      scopes_supported: string[];
      bearer_methods_supported: string[];
    }>(sb.api, 'GET', '/.well-known/oauth-protected-resource');
    expect(r.status).toBe(200);
    expect(r.json.resource).toBe(sb.api);
    expect(r.json.authorization_servers).toEqual([sb.issuer]);
    expect(r.json.scopes_supported).toEqual(['sites:read', 'sites:write', 'domains:read', 'files:write']);
    expect(r.json.bearer_methods_supported).toEqual(['header']);
  });
});

describe('401', () => {
  test.each([
    ['no token', undefined],
    ['an unknown token', 'not-a-token-the-sandbox-issued'],
  ])('%s: 401 unauthorized with invalid_token and resource_metadata', async (_what, token) => {
    const r = await call(sb.api, 'GET', '/v1/sites', token ? { token } : {});
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('unauthorized');
    const header = String(r.headers['www-authenticate']);
    expect(header).toMatch(/^Bearer /);
    expect(header).toContain('error="invalid_token"');
    expect(header).toContain(`resource_metadata="${sb.api}/.well-known/oauth-protected-resource"`);
  });

  test('a Basic header is no bearer token', async () => {
    const r = await call(sb.api, 'GET', '/v1/account', {
      headers: { authorization: 'Basic YWRhOmhvc3RzbWl0aA==' },
    });
    expect(r.status).toBe(401);
  });
});

describe('403 insufficient_scope', () => {
  const cases: Array<[string, string, string, string]> = [
    ['GET', '/v1/sites', 'sites:read', 'domains:read'],
    ['POST', '/v1/sites', 'sites:write', 'sites:read'],
    ['GET', '/v1/domains', 'domains:read', 'sites:read'],
    ['PUT', '/v1/sites/site_x/files/a.txt', 'files:write', 'sites:write'],
    ['POST', '/v1/sites/site_x/deploys', 'files:write', 'sites:read'],
  ];
  test.each(cases)('%s %s needs %s', async (method, path, needed, granted) => {
    const token = await sb.token({ scopes: [granted] });
    const body = method === 'POST' ? { name: 'scope-test' } : undefined;
    const r = await call(sb.api, method, path, { token, ...(body ? { body } : { raw: 'x' }) });
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('insufficient_scope');
    const header = String(r.headers['www-authenticate']);
    expect(header).toContain('error="insufficient_scope"');
    expect(header).toContain(`scope="${needed}"`);
  });

  test('GET /v1/account needs no particular scope', async () => {
    const token = await sb.token({ scopes: ['domains:read'] });
    const r = await call(sb.api, 'GET', '/v1/account', { token });
    expect(r.status).toBe(200);
  });
});

describe('partitions', () => {
  test('omitted, the token’s home partition is used (ada: us, lin: eu)', async () => {
    for (const [email, home] of [
      ['ada@example.com', 'us'],
      ['lin@example.com', 'eu'],
    ] as const) {
      const token = await sb.token({ email });
      const r = await call<{ sites: Site[] }>(sb.api, 'GET', '/v1/sites', { token });
      expect(r.status).toBe(200);
      expect(r.json.sites.length).toBeGreaterThan(0);
      expect(new Set(r.json.sites.map((s) => s.partition))).toEqual(new Set([home]));
      const account = await call<{ partition: string }>(sb.api, 'GET', '/v1/account', { token });
      expect(account.json.partition).toBe(home);
    }
  });

  test('explicit: each seeded user has sites in both partitions', async () => {
    for (const email of ['ada@example.com', 'lin@example.com']) {
      const token = await sb.token({ email });
      for (const partition of ['us', 'eu']) {
        const r = await call<{ sites: Site[] }>(sb.api, 'GET', `/v1/sites?partition=${partition}`, { token });
        expect(r.status).toBe(200);
        expect(r.json.sites.length).toBeGreaterThan(0);
        expect(r.json.sites.every((s) => s.partition === partition)).toBe(true);
      }
    }
  });

  test.each(['mars', 'US', ''])('partition=%s is 400 invalid_partition', async (partition) => {
    const token = await sb.token();
    const r = await call(sb.api, 'GET', `/v1/sites?partition=${partition}`, { token });
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('invalid_partition');
  });

  test('a site asked for in the other partition is 404', async () => {
    const token = await sb.token();
    const us = await call<{ sites: Site[] }>(sb.api, 'GET', '/v1/sites?partition=us', { token });
    const site = us.json.sites[0]!;
    expect((await call(sb.api, 'GET', `/v1/sites/${site.id}?partition=us`, { token })).status).toBe(200);
    const other = await call(sb.api, 'GET', `/v1/sites/${site.id}?partition=eu`, { token });
    expect(other.status).toBe(404);
    expect(other.json.error?.code).toBe('not_found');
  });

  test('another user’s site is 404', async () => {
    const lin = await sb.token({ email: 'lin@example.com' });
    const linSites = await call<{ sites: Site[] }>(sb.api, 'GET', '/v1/sites?partition=us', { token: lin });
    const ada = await sb.token();
    const r = await call(sb.api, 'GET', `/v1/sites/${linSites.json.sites[0]!.id}?partition=us`, {
      token: ada,
    });
    expect(r.status).toBe(404);
  });
});

describe('routes', () => {
  test('an unknown route is a JSON 404', async () => {
    const token = await sb.token();
    for (const path of ['/v1/nope', '/v2/sites', '/']) {
      const r = await call(sb.api, 'GET', path, { token });
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.json.error?.code).toBe('not_found');
    }
  });

  test('a known path with the wrong method is 405 with Allow', async () => {
    const token = await sb.token();
    const r = await call(sb.api, 'PUT', '/v1/sites', { token, body: {} });
    expect(r.status).toBe(405);
    expect(String(r.headers.allow).split(', ').sort()).toEqual(['GET', 'POST']);
    expect(r.json.error?.code).toBe('method_not_allowed');
  });

  test('a JSON endpoint refuses a body that is not JSON', async () => {
    const token = await sb.token();
    const notJson = await call(sb.api, 'POST', '/v1/sites', {
      token,
      raw: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error?.code).toBe('invalid_request');
    const wrongType = await call(sb.api, 'POST', '/v1/sites', {
      token,
      raw: '{"name":"x"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(400);
  });
});
