// Sites: cursor pagination, create/read/update/delete, name rules and conflicts; the account
// and the domains listings.
import { describe, expect, test } from 'vitest';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox({ rateLimit: 10_000 });

interface Site {
  id: string;
  name: string;
  partition: string;
  url: string;
  createdAt: string;
  updatedAt: string;
  fileCount: number;
  sizeBytes: number;
  indexDocument: string;
  errorDocument: string | null;
  liveDeployId: string | null;
}
interface Page {
  sites: Site[];
  nextCursor: string | null;
}

async function allPages(token: string, partition: string, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `partition=${partition}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await call<Page>(sb.api, 'GET', `/v1/sites?${query}`, { token });
    expect(r.status).toBe(200);
    pages.push(r.json);
    cursor = r.json.nextCursor;
  } while (cursor);
  return pages;
}

describe('pagination', () => {
  test('pages of `limit` follow the cursor to every site exactly once', async () => {
    const token = await sb.token();
    const whole = await call<Page>(sb.api, 'GET', '/v1/sites?partition=us', { token });
    expect(whole.json.nextCursor).toBeNull();
    expect(whole.json.sites.length).toBeGreaterThanOrEqual(5);
    const pages = await allPages(token, 'us', 2);
    expect(pages.length).toBe(Math.ceil(whole.json.sites.length / 2));
    expect(pages.slice(0, -1).every((p) => p.sites.length === 2 && p.nextCursor !== null)).toBe(true);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(pages.flatMap((p) => p.sites.map((s) => s.id))).toEqual(whole.json.sites.map((s) => s.id));
  });

  test('a cursor stays valid when the site it points at is deleted', async () => {
    const token = await sb.token({ email: 'lin@example.com' });
    const created: string[] = [];
    for (const name of ['lin-page-a', 'lin-page-b', 'lin-page-c']) {
      const r = await call<Site>(sb.api, 'POST', '/v1/sites?partition=eu', { token, body: { name } });
      created.push(r.json.id);
    }
    const before = (await allPages(token, 'eu', 100)).flatMap((p) => p.sites.map((s) => s.id));
    const cut = before.indexOf(created[0]!);
    const first = await call<Page>(sb.api, 'GET', `/v1/sites?partition=eu&limit=${cut + 1}`, { token });
    expect(first.json.sites.at(-1)?.id).toBe(created[0]);
    await call(sb.api, 'DELETE', `/v1/sites/${created[0]}?partition=eu`, { token });
    const next = await call<Page>(
      sb.api,
      'GET',
      `/v1/sites?partition=eu&limit=100&cursor=${encodeURIComponent(first.json.nextCursor!)}`,
      { token },
    );
    expect(next.json.sites.map((s) => s.id)).toEqual(before.slice(cut + 1));
  });

  test.each(['0', '101', 'ten', '-1', '2.5'])('limit=%s is 400 invalid_request', async (limit) => {
    const token = await sb.token();
    const r = await call(sb.api, 'GET', `/v1/sites?limit=${limit}`, { token });
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('invalid_request');
  });

  test('limit 1 and 100 are allowed; the default page is 50', async () => {
    const token = await sb.token();
    expect((await call<Page>(sb.api, 'GET', '/v1/sites?limit=1', { token })).json.sites).toHaveLength(1);
    expect((await call(sb.api, 'GET', '/v1/sites?limit=100', { token })).status).toBe(200);
    const sam = await sb.token({ email: 'sam@example.com' });
    for (let i = 0; i < 52; i++) {
      const r = await call(sb.api, 'POST', '/v1/sites', { token: sam, body: { name: `sam-bulk-${i}` } });
      expect(r.status).toBe(201);
    }
    const page = await call<Page>(sb.api, 'GET', '/v1/sites', { token: sam });
    expect(page.json.sites).toHaveLength(50);
    expect(page.json.nextCursor).not.toBeNull();
  });

  test('a forged cursor, or one from another partition or user, is 400', async () => {
    const token = await sb.token();
    const first = await call<Page>(sb.api, 'GET', '/v1/sites?partition=us&limit=1', { token });
    const cursor = encodeURIComponent(first.json.nextCursor!);
    expect((await call(sb.api, 'GET', '/v1/sites?cursor=garbage', { token })).status).toBe(400);
    expect((await call(sb.api, 'GET', `/v1/sites?partition=eu&cursor=${cursor}`, { token })).status).toBe(
      400,
    );
    const lin = await sb.token({ email: 'lin@example.com' });
    expect(
      (await call(sb.api, 'GET', `/v1/sites?partition=us&cursor=${cursor}`, { token: lin })).status,
    ).toBe(400);
  });
});

describe('create, read, update, delete', () => {
  test('the whole life of a site', async () => {
    const token = await sb.token();
    const created = await call<Site>(sb.api, 'POST', '/v1/sites?partition=eu', {
      token,
      body: { name: 'ada-crud' },
    });
    expect(created.status).toBe(201);
    const site = created.json;
    expect(site).toMatchObject({
      name: 'ada-crud',
      partition: 'eu',
      url: `${sb.api}/s/eu/ada-crud/`,
      fileCount: 0,
      sizeBytes: 0,
      indexDocument: 'index.html',
      errorDocument: null,
      liveDeployId: null,
    });
    expect(site.id).toMatch(/^site_/);
    expect(Number.isNaN(Date.parse(site.createdAt))).toBe(false);

    const read = await call<Site>(sb.api, 'GET', `/v1/sites/${site.id}?partition=eu`, { token });
    expect(read.json).toEqual(site);

    const patched = await call<Site>(sb.api, 'PATCH', `/v1/sites/${site.id}?partition=eu`, {
      token,
      body: { name: 'ada-crud-2', indexDocument: 'home.html', errorDocument: 'errors/404.html' },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      name: 'ada-crud-2',
      url: `${sb.api}/s/eu/ada-crud-2/`,
      indexDocument: 'home.html',
      errorDocument: 'errors/404.html',
    });
    const cleared = await call<Site>(sb.api, 'PATCH', `/v1/sites/${site.id}?partition=eu`, {
      token,
      body: { errorDocument: null },
    });
    expect(cleared.json.errorDocument).toBeNull();

    const deleted = await call(sb.api, 'DELETE', `/v1/sites/${site.id}?partition=eu`, { token });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await call(sb.api, 'GET', `/v1/sites/${site.id}?partition=eu`, { token })).status).toBe(404);
    expect((await call(sb.api, 'DELETE', `/v1/sites/${site.id}?partition=eu`, { token })).status).toBe(404);
  });

  test('a name taken in the partition is 409 conflict, by anyone; the other partition is free', async () => {
    const ada = await sb.token();
    const lin = await sb.token({ email: 'lin@example.com' });
    expect(
      (await call(sb.api, 'POST', '/v1/sites?partition=us', { token: ada, body: { name: 'taken' } })).status,
    ).toBe(201);
    const again = await call(sb.api, 'POST', '/v1/sites?partition=us', {
      token: lin,
      body: { name: 'taken' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe('conflict');
    expect(
      (await call(sb.api, 'POST', '/v1/sites?partition=eu', { token: lin, body: { name: 'taken' } })).status,
    ).toBe(201);
    // Renaming onto a taken name is the same conflict.
    const other = await call<Site>(sb.api, 'POST', '/v1/sites?partition=us', {
      token: ada,
      body: { name: 'free' },
    });
    const rename = await call(sb.api, 'PATCH', `/v1/sites/${other.json.id}?partition=us`, {
      token: ada,
      body: { name: 'taken' },
    });
    expect(rename.status).toBe(409);
  });

  test.each([
    'Upper',
    '-lead',
    'trail-',
    'under_score',
    'dot.name',
    '',
    'a'.repeat(64),
  ])('the name %j is refused', async (name) => {
    const token = await sb.token();
    const r = await call(sb.api, 'POST', '/v1/sites', { token, body: { name } });
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('invalid_request');
  });

  test.each(['a', '0', 'a-b', 'a'.repeat(63)])('the name %j is accepted', async (name) => {
    const token = await sb.token({ email: 'sam@example.com' });
    const r = await call(sb.api, 'POST', '/v1/sites?partition=eu', { token, body: { name } });
    expect(r.status).toBe(201);
  });

  test('unknown fields and bad documents are 400', async () => {
    const token = await sb.token();
    expect(
      (await call(sb.api, 'POST', '/v1/sites', { token, body: { name: 'x1', color: 'red' } })).status,
    ).toBe(400);
    const site = await call<Site>(sb.api, 'POST', '/v1/sites', { token, body: { name: 'ada-docs-check' } });
    const bad = await call(sb.api, 'PATCH', `/v1/sites/${site.json.id}`, {
      token,
      body: { indexDocument: '../x' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('account and domains', () => {
  test('the account reports the user and usage in the asked partition', async () => {
    const token = await sb.token({ email: 'lin@example.com' });
    const sites = await call<Page>(sb.api, 'GET', '/v1/sites?partition=us&limit=100', { token });
    const r = await call<{
      user: { id: string; email: string; name: string; homePartition: string };
      partition: string;
      usage: { sites: number; storageBytes: number; customDomains: number };
      limits: { sites: number; storageBytes: number };
    }>(sb.api, 'GET', '/v1/account?partition=us', { token });
    expect(r.status).toBe(200);
    expect(r.json.user).toEqual({
      id: 'usr_lin',
      email: 'lin@example.com',
      name: 'Lin Chen',
      homePartition: 'eu',
    });
    expect(r.json.partition).toBe('us');
    expect(r.json.usage.sites).toBe(sites.json.sites.length);
    expect(r.json.usage.storageBytes).toBe(sites.json.sites.reduce((n, s) => n + s.sizeBytes, 0));
    expect(r.json.usage.customDomains).toBe(1);
    expect(r.json.limits).toEqual({ sites: 50, storageBytes: 1073741824 });
  });

  test('domains: a shared domain per site and the custom ones, in both partitions', async () => {
    for (const email of ['ada@example.com', 'lin@example.com']) {
      const token = await sb.token({ email });
      for (const partition of ['us', 'eu']) {
        const sites = await call<Page>(sb.api, 'GET', `/v1/sites?partition=${partition}&limit=100`, {
          token,
        });
        const r = await call<{
          domains: Array<{ name: string; type: string; siteId: string; partition: string; status?: string }>;
        }>(sb.api, 'GET', `/v1/domains?partition=${partition}`, { token });
        expect(r.status).toBe(200);
        const shared = r.json.domains.filter((d) => d.type === 'shared');
        expect(shared.map((d) => d.siteId).sort()).toEqual(sites.json.sites.map((s) => s.id).sort());
        expect(r.json.domains.every((d) => d.partition === partition)).toBe(true);
        const custom = r.json.domains.filter((d) => d.type === 'custom');
        for (const d of custom) expect(['active', 'pending_dns']).toContain(d.status);
      }
      const all = await Promise.all(
        ['us', 'eu'].map((p) =>
          call<{ domains: Array<{ type: string }> }>(sb.api, 'GET', `/v1/domains?partition=${p}`, { token }),
        ),
      );
      expect(all.flatMap((r) => r.json.domains).some((d) => d.type === 'custom')).toBe(true);
    }
  });
});
