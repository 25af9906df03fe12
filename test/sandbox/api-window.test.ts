// The window's view of the authorization half, with real sign-ins: grants, refresh counts,
// issued secrets, revoking one grant or all of a user's, faults on the issuer's listener, and
// what each listener is still busy with.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import * as client from 'openid-client';
import { describe, expect, test, vi } from 'vitest';
import { InFlight } from '../../sandbox/api/in-flight.js';
import type { GrantInfo } from '../../sandbox/api/window.js';
import { startSandbox } from '../../sandbox/index.js';
import type { IssuedSecrets } from '../../sandbox/types.js';
import { signIn } from '../helpers/oauth.js';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox({ rateLimit: 10_000 });

async function grantOf(clientId: string): Promise<GrantInfo> {
  const grants = await call<{ grants: GrantInfo[] }>(sb.api, 'GET', '/_sandbox/grants');
  const grant = grants.json.grants.find((g) => g.clientId === clientId);
  if (!grant) throw new Error(`no grant for ${clientId}`);
  return grant;
}

describe('grants, refreshes and secrets', () => {
  test('a refresh is counted per grant; the secrets include what was issued and received', async () => {
    const session = await signIn(sb, { email: 'lin@example.com' });
    const grant = await grantOf(session.clientId);
    expect(grant).toMatchObject({ accountId: 'usr_lin', email: 'lin@example.com', refreshes: 0 });
    const refreshed = await client.refreshTokenGrant(session.config, session.refreshToken, {
      resource: sb.api,
    });
    const counts = await call<Record<string, number>>(sb.api, 'GET', '/_sandbox/refresh-counts');
    expect(counts.json[grant.grantId]).toBe(1);
    expect(sb.window.refreshCounts()[grant.grantId]).toBe(1);
    const secrets = await call<IssuedSecrets>(sb.api, 'GET', '/_sandbox/secrets');
    expect(secrets.json.accessTokens).toEqual(
      expect.arrayContaining([session.accessToken, refreshed.access_token]),
    );
    expect(secrets.json.refreshTokens).toEqual(expect.arrayContaining([session.refreshToken]));
    expect(secrets.json.authorizationCodes.length).toBeGreaterThan(0);
    expect(secrets.json.codeVerifiers.length).toBeGreaterThan(0);
  });

  test('each grant shows the API scopes it holds: what was asked for and consented to', async () => {
    const narrow = await signIn(sb, { email: 'lin@example.com', scopes: ['sites:read'] });
    expect((await grantOf(narrow.clientId)).scopes).toEqual(['sites:read']);
    const wide = await signIn(sb, { email: 'lin@example.com', scopes: ['sites:read', 'domains:read'] });
    expect([...(await grantOf(wide.clientId)).scopes].sort()).toEqual(['domains:read', 'sites:read']);
  });

  test('a refresh token presented twice is counted as a refused token request, and ends the grant', async () => {
    const session = await signIn(sb, { email: 'sam@example.com' });
    const grant = await grantOf(session.clientId);
    const key = 'refresh_token invalid_grant: refresh token already used';
    const before = sb.window.tokenErrors()[key] ?? 0;
    await client.refreshTokenGrant(session.config, session.refreshToken, { resource: sb.api });
    await expect(
      client.refreshTokenGrant(session.config, session.refreshToken, { resource: sb.api }),
    ).rejects.toThrow();
    const errors = await call<Record<string, number>>(sb.api, 'GET', '/_sandbox/token-errors');
    expect(errors.json[key]).toBe(before + 1);
    expect(sb.window.tokenErrors()[key]).toBe(before + 1);
    expect((await sb.window.grants()).some((g) => g.grantId === grant.grantId)).toBe(false);
  });

  test('the current refresh token of a grant: the rotated one, never the spent one; none once revoked', async () => {
    const session = await signIn(sb, { email: 'lin@example.com' });
    const grant = await grantOf(session.clientId);
    type Current = { refreshTokens: Array<{ grantId: string; clientId: string; refreshToken: string }> };
    const current = async () =>
      (await call<Current>(sb.api, 'GET', '/_sandbox/refresh-tokens')).json.refreshTokens.filter(
        (t) => t.grantId === grant.grantId,
      );
    // Compared, never printed: a failure message must not carry a token.
    const first = await current();
    expect(first).toHaveLength(1);
    expect(first[0]?.refreshToken === session.refreshToken).toBe(true);
    expect(first[0]?.clientId).toBe(session.clientId);
    const refreshed = await client.refreshTokenGrant(session.config, session.refreshToken, {
      resource: sb.api,
    });
    const second = await current();
    expect(second).toHaveLength(1);
    expect(second[0]?.refreshToken === refreshed.refresh_token).toBe(true);
    expect(sb.window.currentRefreshTokens().some((t) => t.refreshToken === session.refreshToken)).toBe(false);
    await sb.window.revokeGrant(grant.grantId);
    expect(await current()).toEqual([]);
  });

  test('revoking one grant over HTTP: its token gets 401 on the very next call; others go on', async () => {
    const one = await signIn(sb);
    const two = await signIn(sb);
    expect((await call(sb.api, 'GET', '/v1/account', { token: one.accessToken })).status).toBe(200);
    const grant = await grantOf(one.clientId);
    const revoked = await call(sb.api, 'DELETE', `/_sandbox/grants/${encodeURIComponent(grant.grantId)}`);
    expect(revoked.status).toBe(200);
    const after = await call(sb.api, 'GET', '/v1/account', { token: one.accessToken });
    expect(after.status).toBe(401);
    expect(String(after.headers['www-authenticate'])).toContain('error="invalid_token"');
    expect((await call(sb.api, 'GET', '/v1/account', { token: two.accessToken })).status).toBe(200);
    // The refresh token of the revoked grant is refused too.
    await expect(
      client.refreshTokenGrant(one.config, one.refreshToken, { resource: sb.api }),
    ).rejects.toThrow();
    expect(
      (await call(sb.api, 'DELETE', `/_sandbox/grants/${encodeURIComponent(grant.grantId)}`)).status,
    ).toBe(404);
  });

  test('revoking every grant of a user, as on the account page', async () => {
    const sam1 = await signIn(sb, { email: 'sam@example.com' });
    const sam2 = await signIn(sb, { email: 'sam@example.com' });
    const ada = await signIn(sb);
    const r = await call<{ revoked: number }>(sb.api, 'DELETE', '/_sandbox/users/sam%40example.com/grants');
    expect(r.json.revoked).toBe(2);
    for (const s of [sam1, sam2]) {
      expect((await call(sb.api, 'GET', '/v1/account', { token: s.accessToken })).status).toBe(401);
    }
    expect((await call(sb.api, 'GET', '/v1/account', { token: ada.accessToken })).status).toBe(200);
    expect(await sb.window.revokeUserGrants('sam@example.com')).toBe(0);
  });

  test('an access-token TTL set at runtime applies to the next sign-in', async () => {
    const ttl = await call(sb.api, 'PUT', '/_sandbox/access-token-ttl', { body: { seconds: 1 } });
    expect(ttl.status).toBe(200);
    try {
      const session = await signIn(sb);
      expect(session.tokens.expires_in).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await call(sb.api, 'GET', '/v1/account', { token: session.accessToken })).status).toBe(401);
    } finally {
      sb.window.setAccessTokenTtl(3600);
    }
  });
});

describe('secrets received', () => {
  test('credentials another server issued are recorded when presented here; short junk is not', async () => {
    const other = await startSandbox({ port: 0 });
    const foreign = await signIn(other, { email: 'lin@example.com' }).finally(() => other.close());
    const before = sb.window.secrets();
    const all = (s: IssuedSecrets) => [...s.accessTokens, ...s.refreshTokens];
    expect(all(before)).not.toContain(foreign.accessToken);
    // A bearer token at the API, a refresh token and a revocation at the token endpoints.
    expect((await call(sb.api, 'GET', '/v1/account', { token: foreign.accessToken })).status).toBe(401);
    const meta = await call<{ token_endpoint: string; revocation_endpoint: string }>(
      sb.issuer,
      'GET',
      '/.well-known/oauth-authorization-server',
    );
    const mine = await signIn(sb);
    const form = (fields: Record<string, string>) => ({
      raw: new URLSearchParams({ client_id: mine.clientId, ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const token = new URL(meta.json.token_endpoint).pathname;
    const revocation = new URL(meta.json.revocation_endpoint).pathname;
    const refresh = await call(
      sb.issuer,
      'POST',
      token,
      form({ grant_type: 'refresh_token', refresh_token: foreign.refreshToken }),
    );
    expect(refresh.status).toBe(400);
    const revoked = foreign.accessToken.split('').reverse().join('');
    await call(sb.issuer, 'POST', revocation, form({ token: revoked, token_type_hint: 'access_token' }));
    expect((await call(sb.api, 'GET', '/v1/account', { token: 'junk' })).status).toBe(401);
    const after = await call<IssuedSecrets>(sb.api, 'GET', '/_sandbox/secrets');
    expect(after.json.accessTokens).toEqual(expect.arrayContaining([foreign.accessToken, revoked]));
    expect(after.json.refreshTokens).toContain(foreign.refreshToken);
    expect(all(after.json)).not.toContain('junk');
  });
});

describe('faults on the issuer', () => {
  test('the authorization server’s listener takes faults and shows in the request log', async () => {
    sb.window.clearRequestLog();
    sb.window.injectFault({ server: 'issuer', kind: 'status', status: 503, pathPrefix: '/.well-known/' });
    const failed = await fetch(`${sb.issuer}/.well-known/oauth-authorization-server`);
    expect(failed.status).toBe(503);
    const ok = await fetch(`${sb.issuer}/.well-known/oauth-authorization-server`);
    expect(ok.status).toBe(200);
    expect(sb.window.requestLog().map((e) => [e.server, e.path, e.status])).toEqual([
      ['issuer', '/.well-known/oauth-authorization-server', 503],
      ['issuer', '/.well-known/oauth-authorization-server', 200],
    ]);
  });
});

describe('in flight', () => {
  test('a request whose caller is gone counts until its handling settles; its connection until it closes', async () => {
    const inFlight = new InFlight();
    let release = () => {};
    const server = createServer((_req, _res) => {
      inFlight.track('issuer', new Promise<void>((resolve) => (release = resolve)));
    });
    inFlight.watch('issuer', server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST /token HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n');
      await vi.waitFor(() => expect(inFlight.current().issuer).toEqual({ connections: 1, requests: 1 }), {
        timeout: 10_000,
      });
      socket.destroy();
      await vi.waitFor(() => expect(inFlight.current().issuer.connections).toBe(0), { timeout: 10_000 });
      expect(inFlight.current().issuer.requests).toBe(1);
      release();
      await vi.waitFor(() => expect(inFlight.current().issuer.requests).toBe(0), { timeout: 10_000 });
      expect(inFlight.current().api).toEqual({ connections: 0, requests: 0 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the sandbox counts both listeners; over HTTP the asker sees its own connection', async () => {
    await fetch(`${sb.issuer}/.well-known/oauth-authorization-server`, {
      headers: { connection: 'close' },
    }).then((r) => r.text());
    await vi.waitFor(() => expect(sb.window.inFlight().issuer).toEqual({ connections: 0, requests: 0 }), {
      timeout: 10_000,
    });
    const seen = await call<{ api: { connections: number } }>(sb.api, 'GET', '/_sandbox/in-flight');
    expect(seen.status).toBe(200);
    expect(seen.json.api.connections).toBeGreaterThanOrEqual(1);
  });
});
