// Tokens after sign-in: refresh rotation and reuse detection, revocation (RFC 7009), opaque
// access tokens checked in-process, lifetimes, and the test window (refresh counts, secrets,
// revoking a grant as a person would).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { afterAll, describe, expect, test } from 'vitest';
import { createAuthServer } from '../../sandbox/auth/index.js';
import { startSandbox } from '../../sandbox/index.js';
import type { PersistSlot } from '../../sandbox/types.js';
import { USERS } from '../../sandbox/users.js';
import { authorize, registerClient, signIn, startCallbackServer } from '../helpers/oauth.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const sandbox = await startSandbox({ port: 0, autoApprove: true });
afterAll(() => sandbox.close());
const endpoints = { api: sandbox.api, issuer: sandbox.issuer };

/** GET /v1/account with a token: the API's own answer on whether the token is alive. */
async function accountStatus(accessToken: string): Promise<number> {
  const res = await fetch(`${sandbox.api}/v1/account`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await res.arrayBuffer();
  return res.status;
}

describe('refresh', () => {
  test('rotates; the old refresh token is then refused and the whole grant is revoked', async () => {
    const first = await signIn(endpoints);
    const grantId = (await sandbox.auth.verifyAccessToken(first.accessToken))?.grantId;
    expect(grantId).toBeTruthy();

    const second = await client.refreshTokenGrant(first.config, first.refreshToken, {
      resource: sandbox.api,
    });
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refreshToken);
    expect(second.access_token).not.toBe(first.accessToken);
    expect(await accountStatus(second.access_token)).toBe(200);
    expect((await sandbox.auth.verifyAccessToken(second.access_token))?.grantId).toBe(grantId);

    // Reuse of the rotated token: refused, and every token of the sign-in dies with it.
    await expect(
      client.refreshTokenGrant(first.config, first.refreshToken, { resource: sandbox.api }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await sandbox.auth.verifyAccessToken(second.access_token)).toBeNull();
    expect(await accountStatus(second.access_token)).toBe(401);
    expect(await accountStatus(first.accessToken)).toBe(401);
    await expect(
      client.refreshTokenGrant(first.config, String(second.refresh_token), { resource: sandbox.api }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await sandbox.auth.grants()).map((g) => g.grantId)).not.toContain(grantId);
  });

  test('without `resource`, a refresh gets the granted resource and scopes', async () => {
    const first = await signIn(endpoints);
    const next = await client.refreshTokenGrant(first.config, first.refreshToken);
    expect(next.scope?.split(' ').sort()).toEqual([
      'domains:read',
      'files:write',
      'sites:read',
      'sites:write',
    ]);
    expect(await accountStatus(next.access_token)).toBe(200);
  });

  test('a refresh token of another client is refused', async () => {
    const a = await signIn(endpoints);
    const b = await signIn(endpoints);
    await expect(client.refreshTokenGrant(b.config, a.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('revocation (RFC 7009)', () => {
  test('revoking the access token makes the next API call 401 and ends the sign-in', async () => {
    const s = await signIn(endpoints);
    const grantId = (await sandbox.auth.verifyAccessToken(s.accessToken))!.grantId;
    expect(await accountStatus(s.accessToken)).toBe(200);
    await client.tokenRevocation(s.config, s.accessToken);
    expect(await sandbox.auth.verifyAccessToken(s.accessToken)).toBeNull();
    expect(await accountStatus(s.accessToken)).toBe(401);
    // RFC 7009 §2.1 lets the server revoke the refresh token too; oidc-provider does.
    await expect(client.refreshTokenGrant(s.config, s.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await sandbox.auth.grants()).map((g) => g.grantId)).not.toContain(grantId);
  });

  test('revoking the refresh token ends the grant', async () => {
    const s = await signIn(endpoints);
    const next = await client.refreshTokenGrant(s.config, s.refreshToken);
    await client.tokenRevocation(s.config, String(next.refresh_token));
    expect(await accountStatus(s.accessToken)).toBe(401);
    expect(await accountStatus(next.access_token)).toBe(401);
    await expect(client.refreshTokenGrant(s.config, String(next.refresh_token))).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('a client cannot revoke another client’s token', async () => {
    const a = await signIn(endpoints);
    const b = await signIn(endpoints);
    await client.tokenRevocation(b.config, a.accessToken);
    expect(await accountStatus(a.accessToken)).toBe(200);
  });
});

describe('opaque access tokens', () => {
  test('carry nothing readable and are checked against the server on every call', async () => {
    const s = await signIn(endpoints);
    expect(s.accessToken.split('.')).toHaveLength(1);
    expect(s.accessToken).toMatch(/^[\w-]{40,}$/);
    expect(await sandbox.auth.verifyAccessToken(`${s.accessToken}x`)).toBeNull();
    const info = await sandbox.auth.verifyAccessToken(s.accessToken);
    expect(info?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(info?.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 3600);
  });

  test('the lifetime follows setAccessTokenTtl and the token dies on time', async () => {
    const other = await startSandbox({ port: 0, autoApprove: true, accessTokenTtl: 60 });
    try {
      const long = await signIn({ api: other.api });
      expect(long.tokens.expires_in).toBe(60);
      // Expiry is in whole seconds, so a 3 s token lives 2–3 s: alive when checked at once even on
      // a loaded machine, then dead just after the second it names.
      other.auth.setAccessTokenTtl(3);
      const short = await client.refreshTokenGrant(long.config, long.refreshToken);
      expect(short.expires_in).toBe(3);
      const info = await other.auth.verifyAccessToken(short.access_token);
      expect(info).not.toBeNull();
      const expiresAt = info?.expiresAt ?? 0;
      expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3);
      await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 100));
      expect(await other.auth.verifyAccessToken(short.access_token)).toBeNull();
    } finally {
      await other.close();
    }
  });

  test('refresh tokens last 90 days from the original sign-in, not from the last refresh', async () => {
    // Read the server's own records through its persisted state.
    let state: unknown;
    const slot: PersistSlot = { load: () => undefined, save: (s) => (state = JSON.parse(JSON.stringify(s))) };
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const auth = await createAuthServer({
      issuer,
      apiResource: sandbox.api,
      users: USERS,
      password: 'pw',
      autoApprove: true,
      autoApproveUser: 'ada@example.com',
      accessTokenTtl: 3600,
      persist: slot,
    });
    server.on('request', auth.handle);
    try {
      const config = await registerClient(issuer);
      const cb = await startCallbackServer();
      const a = await authorize(config, { resource: sandbox.api, redirectUri: cb.redirectUri });
      await completeSignIn(a.url);
      const t = await client.authorizationCodeGrant(
        config,
        await cb.next(),
        { pkceCodeVerifier: a.verifier, expectedState: a.state },
        { resource: sandbox.api },
      );
      await cb.close();
      const refreshExp = () => {
        const records = (state as { records: Record<string, { payload: Record<string, number | string> }> })
          .records;
        return Object.values(records)
          .filter((r) => r.payload.kind === 'RefreshToken' && !r.payload.consumed)
          .map((r) => ({ iat: Number(r.payload.iat), exp: Number(r.payload.exp) }));
      };
      const [original] = refreshExp();
      expect(original).toBeDefined();
      expect(original!.exp - original!.iat).toBe(90 * 24 * 3600);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await client.refreshTokenGrant(config, String(t.refresh_token));
      const rotated = refreshExp();
      expect(rotated).toHaveLength(1);
      expect(rotated[0]!.iat).toBeGreaterThan(original!.iat);
      expect(rotated[0]!.exp).toBe(original!.exp);
      const grant = Object.values(
        (state as { records: Record<string, { payload: Record<string, number | string> }> }).records,
      ).find((r) => r.payload.kind === 'Grant');
      expect(Number(grant?.payload.exp) - Number(grant?.payload.iat)).toBeGreaterThanOrEqual(90 * 24 * 3600);
    } finally {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await auth.close();
    }
  });
});

describe('the window', () => {
  test('refresh counts per grant, also for grants revoked since', async () => {
    const s = await signIn(endpoints);
    const grantId = (await sandbox.auth.verifyAccessToken(s.accessToken))!.grantId;
    expect(sandbox.auth.refreshCounts()[grantId]).toBeUndefined();
    const g0 = (await sandbox.auth.grants()).find((g) => g.grantId === grantId);
    expect(g0).toMatchObject({ accountId: 'usr_ada', clientId: s.clientId, refreshes: 0 });

    let rt = s.refreshToken;
    for (let i = 0; i < 3; i++) rt = String((await client.refreshTokenGrant(s.config, rt)).refresh_token);
    expect(sandbox.auth.refreshCounts()[grantId]).toBe(3);
    expect((await sandbox.auth.grants()).find((g) => g.grantId === grantId)?.refreshes).toBe(3);

    // A refused refresh is not a refresh served.
    await expect(client.refreshTokenGrant(s.config, s.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(sandbox.auth.refreshCounts()[grantId]).toBe(3);
  });

  test('secrets: every token, code and verifier the test saw', async () => {
    const config = await registerClient(sandbox.issuer);
    const cb = await startCallbackServer();
    const a = await authorize(config, { resource: sandbox.api, redirectUri: cb.redirectUri });
    await completeSignIn(a.url);
    const callbackUrl = await cb.next();
    await cb.close();
    const code = callbackUrl.searchParams.get('code');
    const t = await client.authorizationCodeGrant(
      config,
      callbackUrl,
      { pkceCodeVerifier: a.verifier, expectedState: a.state },
      { resource: sandbox.api },
    );
    const next = await client.refreshTokenGrant(config, String(t.refresh_token));

    const secrets = sandbox.auth.secrets();
    expect(secrets.authorizationCodes).toContain(code);
    expect(secrets.codeVerifiers).toContain(a.verifier);
    expect(secrets.accessTokens).toEqual(expect.arrayContaining([t.access_token, next.access_token]));
    expect(secrets.refreshTokens).toEqual(expect.arrayContaining([t.refresh_token, next.refresh_token]));
    expect(Object.values(secrets).every((list) => list.length > 0)).toBe(true);
  });

  test('revokeGrant: every token of the sign-in stops working, as from an account page', async () => {
    const s = await signIn(endpoints);
    const other = await signIn(endpoints);
    const grantId = (await sandbox.auth.verifyAccessToken(s.accessToken))!.grantId;
    expect(await sandbox.auth.revokeGrant(grantId)).toBe(true);
    expect(await accountStatus(s.accessToken)).toBe(401);
    await expect(client.refreshTokenGrant(s.config, s.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await sandbox.auth.grants()).map((g) => g.grantId)).not.toContain(grantId);
    expect(await sandbox.auth.revokeGrant(grantId)).toBe(false);
    // Other sign-ins are untouched.
    expect(await accountStatus(other.accessToken)).toBe(200);
  });
});
