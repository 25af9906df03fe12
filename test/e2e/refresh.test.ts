// Refresh with single-use rotating refresh tokens, across processes that share one store.
import { describe, expect, it, onTestFinished } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';

// A refreshed token counts as near expiry in its last third, its life counted from before the
// request in whole seconds: with short tokens, eight processes taking their turns at the lock on a
// loaded machine found the fresh token already "near expiry" and refreshed a second time
// (correctly), which the eight-process test would read as a lost coordination. So only the token
// that must expire is short; the refreshed one lasts a minute (setAccessTokenTtl there).
const TTL = 6;
const env = await e2e({ accessTokenTtl: TTL });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function grantOf(email: string) {
  const grants = (await env.sandbox.window.grants()).filter((g) => g.email === email);
  return grants;
}

describe('refresh', () => {
  it('refreshes an expired access token silently', async () => {
    const configDir = tempDir();
    const server = await env.server({ configDir });
    ok(await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    expect(env.tabs()).toBe(1);
    const [grant] = await grantOf('ada@example.com');
    expect(grant).toBeDefined();
    await sleep((TTL + 1) * 1000);
    ok(await server.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    expect(env.sandbox.window.refreshCounts()[grant!.grantId]).toBeGreaterThanOrEqual(1);
    expect(env.tabs()).toBe(1); // no new sign-in
    await server.close();
  });

  it('eight processes with an expired token make exactly one refresh, and the grant lives on', async () => {
    const configDir = tempDir();
    const first = await env.server({ configDir });
    ok(await first.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await first.close();
    // The stored token expires during the sleep below; the refreshed one lasts a minute, so however
    // slow the turns at the lock, every other process finds it fresh (never "near expiry").
    env.sandbox.window.setAccessTokenTtl(60);
    onTestFinished(() => env.sandbox.window.setAccessTokenTtl(TTL));
    const tabsAfterSignIn = env.tabs();
    const grantIds = new Set(Object.keys(env.sandbox.window.refreshCounts()));
    const grants = await env.sandbox.window.grants();
    const grant = grants.find(
      (g) => !grantIds.has(g.grantId) || env.sandbox.window.refreshCounts()[g.grantId] === 0,
    );
    expect(grant).toBeDefined();
    const before = env.sandbox.window.refreshCounts()[grant!.grantId] ?? 0;

    const servers = await Promise.all(Array.from({ length: 8 }, () => env.server({ configDir })));
    await sleep((TTL + 1) * 1000);
    const results = await Promise.all(
      servers.map((s) => s.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } })),
    );
    for (const result of results) ok(result);
    expect((env.sandbox.window.refreshCounts()[grant!.grantId] ?? 0) - before).toBe(1);
    expect(env.tabs()).toBe(tabsAfterSignIn);
    // Still alive: a new call after all that works without a sign-in.
    ok(await servers[0]!.client.callTool({ name: 'get_account', arguments: { partition: 'eu' } }));
    expect((await env.sandbox.window.grants()).some((g) => g.grantId === grant!.grantId)).toBe(true);
    await Promise.all(servers.map((s) => s.close()));
  });

  it('a grant revoked at Hostsmith leads to exactly one new sign-in', async () => {
    const configDir = tempDir();
    const server = await env.server({ configDir });
    ok(await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    const tabs = env.tabs();
    expect(await env.sandbox.window.revokeUserGrants('ada@example.com')).toBeGreaterThan(0);
    ok(await server.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    expect(env.tabs()).toBe(tabs + 1);
    ok(await server.client.callTool({ name: 'list_domains', arguments: {} }));
    expect(env.tabs()).toBe(tabs + 1);
    await server.close();
  });
});
