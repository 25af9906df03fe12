// --access-token-bytes: JWT access tokens of an exact size that carry the grant id. oidc-provider
// keeps no record of them, so the API checks signature, iss, aud and exp itself, and that the
// grant is alive: revoking a grant (window, RFC 7009 on the refresh token, refresh-token reuse)
// fails the very next call.
import { spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as client from 'openid-client';
import { afterAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { signIn } from '../helpers/oauth.js';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sandbox = await startTestSandbox({ autoApprove: true, accessTokenBytes: 1400 });
const endpoints = { api: sandbox.api, issuer: sandbox.issuer };

interface Jwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

function decode(token: string): Jwt {
  const [h = '', p = ''] = token.split('.');
  const part = (s: string) =>
    JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: part(h), payload: part(p) };
}

/** GET /v1/account: the API's own answer on whether the token is alive. */
async function accountStatus(token: string, api = sandbox.api): Promise<number> {
  const res = await call(api, 'GET', '/v1/account', { token });
  if (res.status === 401) expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  return res.status;
}

async function grantOf(clientId: string): Promise<string> {
  const grants = (await sandbox.window.grants()).filter((g) => g.clientId === clientId);
  expect(grants).toHaveLength(1);
  return grants[0]!.grantId;
}

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

describe('the token', () => {
  test('is a JWT of exactly the requested size, signed ES256, carrying the grant id', async () => {
    const s = await signIn(endpoints);
    expect(Buffer.byteLength(s.accessToken)).toBe(1400);
    expect(s.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { header, payload } = decode(s.accessToken);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: sandbox.issuer,
      aud: sandbox.api,
      sub: 'usr_ada',
      client_id: s.clientId,
      grant_id: await grantOf(s.clientId),
    });
    expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(['sites:read', 'files:write']));
    expect(s.tokens.expires_in).toBe(3600);
    // The window still sees every token issued, though none is stored.
    expect(sandbox.auth.secrets().accessTokens).toContain(s.accessToken);
  });

  test('every size from 1,000 up is met exactly, whatever its remainder in base64', async () => {
    for (const bytes of [1000, 1001, 1002, 1003, 3000]) {
      const other = await startSandbox({ port: 0, autoApprove: true, accessTokenBytes: bytes });
      try {
        const s = await signIn({ api: other.api });
        expect(Buffer.byteLength(s.accessToken), `${bytes}`).toBe(bytes);
        const next = await client.refreshTokenGrant(s.config, s.refreshToken);
        expect(Buffer.byteLength(next.access_token), `${bytes}, refreshed`).toBe(bytes);
        expect((await call(other.api, 'GET', '/v1/sites', { token: next.access_token })).status).toBe(200);
      } finally {
        await other.close();
      }
    }
  });

  test('a size too small for the claims is refused up front', async () => {
    await expect(startSandbox({ port: 0, accessTokenBytes: 999 })).rejects.toThrow(/>= 1000/);
  });
});

describe('the API', () => {
  test('accepts the token on every route family, within its scopes', async () => {
    const s = await signIn(endpoints);
    expect(await accountStatus(s.accessToken)).toBe(200);
    expect((await call(sandbox.api, 'GET', '/v1/sites', { token: s.accessToken })).status).toBe(200);
    const narrow = await sandbox.token({ scopes: ['sites:read'], fresh: true });
    expect(Buffer.byteLength(narrow)).toBe(1400);
    const created = await call(sandbox.api, 'POST', '/v1/sites', { token: narrow, body: { name: 'narrow' } });
    expect(created.status).toBe(403);
    expect(created.json.error?.code).toBe('insufficient_scope');
  });

  test('refuses a token whose signature or claims were tampered with', async () => {
    const s = await signIn(endpoints);
    const [h, p, sig = ''] = s.accessToken.split('.');
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    expect(await accountStatus(`${h}.${p}.${flipped}`)).toBe(401);
    // Someone else's identity under the same signature.
    const { payload } = decode(s.accessToken);
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'usr_lin' })).toString('base64url');
    expect(await accountStatus(`${h}.${forged}.${sig}`)).toBe(401);
    // A key of the attacker's own, under the server's kid.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(await accountStatus(signJwt(decode(s.accessToken).header, payload, privateKey))).toBe(401);
    expect(await accountStatus(`${h}.${p}`)).toBe(401);
    expect(await accountStatus(s.accessToken)).toBe(200);
  });
});

describe('a revoked grant', () => {
  test('revoked from the window (as from an account page): the very next call is 401', async () => {
    const s = await signIn(endpoints);
    const other = await signIn(endpoints);
    expect(await accountStatus(s.accessToken)).toBe(200);
    const grantId = String(decode(s.accessToken).payload.grant_id);
    const revoked = await call(sandbox.api, 'DELETE', `/_sandbox/grants/${encodeURIComponent(grantId)}`);
    expect(revoked.status).toBe(200);
    expect(await accountStatus(s.accessToken)).toBe(401);
    expect(await sandbox.auth.verifyAccessToken(s.accessToken)).toBeNull();
    await expect(client.refreshTokenGrant(s.config, s.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(await accountStatus(other.accessToken)).toBe(200);
  });

  test('RFC 7009 revocation of the refresh token: the very next call is 401', async () => {
    const s = await signIn(endpoints);
    expect(await accountStatus(s.accessToken)).toBe(200);
    await client.tokenRevocation(s.config, s.refreshToken, { token_type_hint: 'refresh_token' });
    expect(await accountStatus(s.accessToken)).toBe(401);
    await expect(client.refreshTokenGrant(s.config, s.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  test('RFC 7009 on the JWT itself is refused as unsupported (oidc-provider keeps no record of it)', async () => {
    // As oidc-provider answers for any structured token: RFC 7009 §2.2.1 unsupported_token_type.
    // A client signing out must revoke the refresh token, which ends the grant.
    const s = await signIn(endpoints);
    await expect(
      client.tokenRevocation(s.config, s.accessToken, { token_type_hint: 'access_token' }),
    ).rejects.toMatchObject({ error: 'unsupported_token_type' });
    expect(await accountStatus(s.accessToken)).toBe(200);
  });
});

describe('refresh', () => {
  test('rotates, the new JWT keeps the grant, and reuse of the old refresh token kills both', async () => {
    const s = await signIn(endpoints);
    const grantId = decode(s.accessToken).payload.grant_id;
    const next = await client.refreshTokenGrant(s.config, s.refreshToken, { resource: sandbox.api });
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(s.refreshToken);
    expect(next.access_token).not.toBe(s.accessToken);
    expect(Buffer.byteLength(next.access_token)).toBe(1400);
    expect(decode(next.access_token).payload.grant_id).toBe(grantId);
    expect(await accountStatus(next.access_token)).toBe(200);
    await expect(client.refreshTokenGrant(s.config, s.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(await accountStatus(next.access_token)).toBe(401);
    expect(await accountStatus(s.accessToken)).toBe(401);
  });
});

describe('with --data', () => {
  test('tokens verify across a restart; iss, aud and exp are checked under the real key', async () => {
    const dataFile = join(dir, 'data.json');
    const first = await startSandbox({ port: 0, autoApprove: true, accessTokenBytes: 1400, dataFile });
    const ports = { port: Number(new URL(first.api).port), issuerPort: Number(new URL(first.issuer).port) };
    const s = await signIn({ api: first.api });
    await first.close();

    const restarted = await startSandbox({ ...ports, autoApprove: true, accessTokenBytes: 1400, dataFile });
    try {
      expect(await accountStatus(s.accessToken, restarted.api)).toBe(200);
      // Tokens made with the server's own key, read from its data file, claim by claim.
      const doc = JSON.parse(readFileSync(dataFile, 'utf8')) as {
        slots: { auth: { keys: { jwks: { keys: JsonWebKey[] } } } };
      };
      const key = createPrivateKey({ key: doc.slots.auth.keys.jwks.keys[0]!, format: 'jwk' });
      const { header, payload } = decode(s.accessToken);
      const made = (change: Record<string, unknown>) => signJwt(header, { ...payload, ...change }, key);
      const status = (change: Record<string, unknown>) => accountStatus(made(change), restarted.api);
      const now = Math.floor(Date.now() / 1000);
      expect(await status({ exp: now + 600 }), 'the control: a well-made token passes').toBe(200);
      expect(await status({ exp: now - 1 })).toBe(401);
      expect(await status({ iss: 'http://127.0.0.1:9' })).toBe(401);
      expect(await status({ aud: 'http://127.0.0.1:9' })).toBe(401);
      expect(await status({ grant_id: 'no-such-grant' })).toBe(401);
      expect(await status({ grant_id: undefined })).toBe(401);
    } finally {
      await restarted.close();
    }
  });

  test('without the flag the same sandbox issues opaque tokens as before', async () => {
    const plain = await startSandbox({ port: 0, autoApprove: true });
    try {
      const s = await signIn({ api: plain.api });
      expect(s.accessToken).toMatch(/^[\w-]{40,}$/);
      expect(await accountStatus(s.accessToken, plain.api)).toBe(200);
    } finally {
      await plain.close();
    }
  });
});

describe('npm run sandbox -- --access-token-bytes', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  const tsx = resolve(ROOT, 'node_modules/.bin/tsx');

  test('a running sandbox issues tokens of that size and says so in its banner', async () => {
    const args = [
      'sandbox/main.ts',
      '--port',
      '0',
      '--json',
      '--auto-approve',
      '--access-token-bytes',
      '3000',
    ];
    const child = spawn(tsx, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((done) => child.once('exit', done));
    try {
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const line = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) ok(out.slice(0, out.indexOf('\n')));
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${stderr}`)));
      });
      const { api } = JSON.parse(line) as { api: string };
      const s = await signIn({ api });
      expect(Buffer.byteLength(s.accessToken)).toBe(3000);
      expect((await call(api, 'GET', '/v1/account', { token: s.accessToken })).status).toBe(200);
      expect(stderr).toMatch(/access tokens +JWT, 3000 bytes/);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  test('a size under 1000 exits 2 with the usage, which lists the flag', async () => {
    const child = spawn(tsx, ['sandbox/main.ts', '--access-token-bytes', '999'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    expect(await new Promise((done) => child.once('exit', done))).toBe(2);
    expect(stderr).toContain('--access-token-bytes must be an integer >= 1000');
    expect(stderr).toMatch(/Usage[\s\S]*--access-token-bytes N +issue JWT access tokens/);
  });
});
