// The built server against a sandbox that issues 3,000-byte JWT access tokens (the size real
// authorization servers reach): sign-in and tool calls work with them kept in the file store,
// and a grant revoked at Hostsmith is not honoured on the next call, though no server keeps a
// record of the JWT itself.
import { describe, expect, it } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';

const BYTES = 3000;
const env = await e2e({ accessTokenBytes: BYTES });

function grantIdOf(jwt: string): unknown {
  const payload = jwt.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { grant_id?: unknown }).grant_id;
}

describe('JWT access tokens of 3,000 bytes', () => {
  it('sign in and call a tool; after the grant is revoked the old token gets the next call nowhere', async () => {
    const server = await env.server(); // --storage file, as every e2e server
    ok(await server.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    expect(env.tabs()).toBe(1);
    const [first, ...others] = env.sandbox.window.secrets().accessTokens;
    expect(others).toEqual([]);
    expect(Buffer.byteLength(first ?? '')).toBe(BYTES);
    const [grant] = await env.sandbox.window.grants();
    expect(grant).toBeDefined();
    expect(grantIdOf(first!)).toBe(grant!.grantId);
    // Still the same token: the call above was served without a refresh or a new sign-in.
    ok(await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    expect(env.sandbox.window.secrets().accessTokens).toEqual([first]);

    expect(await env.sandbox.window.revokeGrant(grant!.grantId)).toBe(true);
    env.sandbox.window.clearRequestLog();
    ok(await server.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));

    // The old token was refused at once, the refresh failed with its grant, and only a new
    // sign-in (one more tab, a new grant) answered the call.
    const log = env.sandbox.window.requestLog();
    const sites = log.filter((e) => e.server === 'api' && e.path === '/v1/sites');
    expect(sites[0]).toMatchObject({ status: 401, user: null });
    expect(sites.at(-1)).toMatchObject({ status: 200, user: 'ada@example.com' });
    expect(env.tabs()).toBe(2);
    const grants = await env.sandbox.window.grants();
    expect(grants.map((g) => g.grantId)).not.toContain(grant!.grantId);
    expect(grants).toHaveLength(1);
    const issued = env.sandbox.window.secrets().accessTokens;
    expect(issued).toHaveLength(2);
    expect(Buffer.byteLength(issued[1] ?? '')).toBe(BYTES);
    expect(grantIdOf(issued[1]!)).toBe(grants[0]!.grantId);
    await server.close();
  });
});
