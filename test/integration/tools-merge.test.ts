// The tools against the real sandbox, called directly with a HostsmithClient on a real token:
// merged listings, one partition failing, cursors across partitions, and error words.
import { describe, expect, it } from 'vitest';
import { toToolErrorText } from '../../src/mcp/errors.js';
import type { ToolContext } from '../../src/mcp/tool.js';
import { getAccount } from '../../src/mcp/tools/account.js';
import { listDomains } from '../../src/mcp/tools/domains.js';
import { createSite, listSites } from '../../src/mcp/tools/sites.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { tokenClient } from '../helpers/token-client.js';

const sb = await startTestSandbox({ rateLimit: 10_000 });

async function ctxFor(email = 'ada@example.com', scopes?: string[]): Promise<ToolContext> {
  const api = await tokenClient(sb, {
    email,
    ...(scopes ? { scopes } : {}),
    client: { maxRetryAfterSeconds: 1 },
  });
  return { api, signal: new AbortController().signal, progress: async () => {} };
}

describe('merged listings', () => {
  it('list_sites and list_domains merge both partitions; get_account shows both', async () => {
    const ctx = await ctxFor();
    const sites = await listSites.handler({}, ctx);
    expect(new Set(sites.structured.sites.map((s) => s.partition))).toEqual(new Set(['us', 'eu']));
    expect(sites.structured.failedPartitions).toBeUndefined();
    const domains = await listDomains.handler({}, ctx);
    expect(new Set(domains.structured.domains.map((d) => d.partition))).toEqual(new Set(['us', 'eu']));
    const account = await getAccount.handler({}, ctx);
    expect(Object.keys(account.structured.partitions).sort()).toEqual(['eu', 'us']);
  });

  it('one partition failing still answers with the other, and says which failed', async () => {
    const ctx = await ctxFor();
    // Enough 503s to outlast the client's retries, for eu only.
    sb.window.injectFault({ kind: 'status', status: 503, partition: 'eu', count: 20 });
    try {
      const sites = await listSites.handler({}, ctx);
      expect(sites.structured.sites.length).toBeGreaterThan(0);
      expect(sites.structured.sites.every((s) => s.partition === 'us')).toBe(true);
      expect(sites.structured.failedPartitions).toEqual([{ partition: 'eu', error: expect.any(String) }]);
      expect(sites.text).toMatch(/eu: could not be listed/);
      // The cursor keeps eu to try again later.
      expect(sites.structured.nextCursor).toBeDefined();
      const account = await getAccount.handler({}, ctx);
      expect(account.structured.failedPartitions?.[0]?.partition).toBe('eu');
      expect(account.structured.partitions.us).toBeDefined();
    } finally {
      sb.window.clearFaults();
    }
  });

  it('follows cursors up to limit, and nextCursor continues across both partitions without repeats', async () => {
    const ctx = await ctxFor('lin@example.com');
    for (let i = 0; i < 5; i++) {
      await createSite.handler({ name: `lin-page-${i}`, partition: i % 2 ? 'us' : 'eu' }, ctx);
    }
    const all = await listSites.handler({ limit: 100 }, ctx);
    const total = all.structured.sites.length;
    expect(all.structured.nextCursor).toBeUndefined();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listSites.handler({ limit: 3, ...(cursor ? { cursor } : {}) }, ctx);
      expect(page.structured.sites.length).toBeLessThanOrEqual(3);
      seen.push(...page.structured.sites.map((s) => s.id));
      cursor = page.structured.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    await expect(listSites.handler({ cursor: 'not-a-cursor' }, ctx)).rejects.toThrow(/cursor/);
  });
});

describe('error words', () => {
  it('name taken, not found and a missing scope say what to do', async () => {
    const ctx = await ctxFor();
    await createSite.handler({ name: 'words-site' }, ctx);
    const taken = await createSite.handler({ name: 'words-site' }, ctx).catch((e: unknown) => e);
    expect(toToolErrorText(taken)).toMatch(/^Name taken/);
    const missing = await ctx.api.getSite('site_nope', 'us').catch((e: unknown) => e);
    expect(toToolErrorText(missing)).toMatch(/^Not found.*list_sites/);
    const readOnly = await ctxFor('ada@example.com', ['sites:read']);
    const denied = await createSite.handler({ name: 'words-site-2' }, readOnly).catch((e: unknown) => e);
    expect(toToolErrorText(denied)).toMatch(/sites:write.*sign in again/);
  });

  it('rate limited after honouring Retry-After up to its bound', async () => {
    const ctx = await ctxFor('sam@example.com');
    sb.window.setRateLimits({ rateLimit: 2 });
    try {
      await ctx.api.getAccount('us');
      await ctx.api.getAccount('us');
      const limited = await ctx.api.getAccount('us').catch((e: unknown) => e);
      expect(toToolErrorText(limited)).toMatch(/rate limiting.*Try again in \d+ seconds/);
    } finally {
      sb.window.setRateLimits({ rateLimit: 10_000 });
    }
  });
});
