// Persistence: a client signed in before a restart stays signed in after it. The server's
// records (clients, grants, tokens, sessions) and its own keys (cookies) all survive.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, describe, expect, onTestFinished, test } from 'vitest';
import { createAuthServer } from '../../sandbox/auth/index.js';
import { startSandbox } from '../../sandbox/index.js';
import type { AuthServer, PersistSlot } from '../../sandbox/types.js';
import { SANDBOX_PASSWORD, USERS } from '../../sandbox/users.js';
import { authorize, registerClient, signIn, startCallbackServer } from '../helpers/oauth.js';
import { completeSignIn, parseForms, ScriptedBrowser } from '../helpers/scripted-browser.js';

const API = 'http://127.0.0.1:9/api-resource';

/** A slot that keeps what a data file would: the JSON text, not the live objects. */
function jsonSlot(): PersistSlot & { saves: number; text: string | undefined } {
  const slot = {
    saves: 0,
    text: undefined as string | undefined,
    load: () => (slot.text === undefined ? undefined : JSON.parse(slot.text)),
    save: (state: unknown) => {
      slot.saves++;
      slot.text = JSON.stringify(state);
    },
  };
  return slot;
}

async function listen(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function start(server: Server, persist: PersistSlot): Promise<AuthServer> {
  const auth = await createAuthServer({
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiResource: API,
    users: USERS,
    password: SANDBOX_PASSWORD,
    autoApprove: false,
    autoApproveUser: 'ada@example.com',
    accessTokenTtl: 3600,
    persist,
  });
  server.removeAllListeners('request');
  server.on('request', auth.handle);
  return auth;
}

describe('createAuthServer with a PersistSlot', () => {
  test('tokens, grants, clients, sessions and keys survive a restart', async () => {
    const slot = jsonSlot();
    let server = await listen();
    const port = (server.address() as AddressInfo).port;
    const issuer = `http://127.0.0.1:${port}`;
    let auth = await start(server, slot);
    expect(slot.saves, 'a fresh server saves its keys at once').toBeGreaterThan(0);

    const config = await registerClient(issuer);
    const callback = await startCallbackServer();
    const browser = new ScriptedBrowser();
    try {
      const a = await authorize(config, { resource: API, redirectUri: callback.redirectUri });
      await completeSignIn(a.url, { browser, email: 'lin@example.com' });
      const tokens = await client.authorizationCodeGrant(
        config,
        await callback.next(),
        { pkceCodeVerifier: a.verifier, expectedState: a.state },
        { resource: API },
      );
      const refreshed = await client.refreshTokenGrant(config, String(tokens.refresh_token));
      const before = await auth.verifyAccessToken(refreshed.access_token);
      expect(before?.accountId).toBe('usr_lin');
      const grantId = before!.grantId;

      // Restart: a new server object from the saved JSON, on the same port (same issuer).
      await close(server);
      await auth.close();
      // A new connection pool for this process's fetch (the browser's and openid-client's): the
      // old one may not have seen its keep-alive sockets closed yet, and a POST (never retried)
      // written into one of them would fail.
      const fresh = new Agent();
      const previous = getGlobalDispatcher();
      setGlobalDispatcher(fresh);
      onTestFinished(async () => {
        setGlobalDispatcher(previous);
        await fresh.close();
      });
      server = await listen(port);
      auth = await start(server, slot);

      expect(await auth.verifyAccessToken(refreshed.access_token)).toMatchObject({
        accountId: 'usr_lin',
        grantId,
        clientId: config.clientMetadata().client_id,
      });
      expect(auth.refreshCounts()[grantId]).toBe(1);
      expect((await auth.grants()).map((g) => g.grantId)).toEqual([grantId]);
      expect(auth.secrets().accessTokens).toContain(refreshed.access_token);

      // The refresh token still refreshes, for the client registered before the restart.
      const after = await client.refreshTokenGrant(config, String(refreshed.refresh_token));
      expect((await auth.verifyAccessToken(after.access_token))?.grantId).toBe(grantId);
      expect(auth.refreshCounts()[grantId]).toBe(2);
      // Reuse detection remembers what was used before the restart.
      await expect(client.refreshTokenGrant(config, String(tokens.refresh_token))).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      expect(await auth.verifyAccessToken(after.access_token)).toBeNull();

      // The browser's session cookie is still valid (same cookie keys): no sign-in page again.
      const again = await authorize(config, { resource: API, redirectUri: callback.redirectUri });
      const page = await browser.open(again.url);
      expect(parseForms(page.body, page.url).map((f) => f.id)).toEqual(['consent']);
      expect(page.body).toContain('lin@example.com');
    } finally {
      await callback.close();
      await close(server);
      await auth.close();
    }
  });

  test('a slot holding something else is refused with a clear error', async () => {
    const server = await listen();
    try {
      await expect(start(server, { load: () => ({ version: 7 }), save: () => {} })).rejects.toThrow(
        /"auth" state is not readable/,
      );
    } finally {
      await close(server);
    }
  });

  test('without a slot, nothing is kept: a new server does not know old tokens', async () => {
    const slotless: PersistSlot = { load: () => undefined, save: () => {} };
    const server = await listen();
    try {
      const first = await start(server, slotless);
      const config = await registerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const callback = await startCallbackServer();
      const a = await authorize(config, { resource: API, redirectUri: callback.redirectUri });
      await completeSignIn(a.url);
      const tokens = await client.authorizationCodeGrant(
        config,
        await callback.next(),
        { pkceCodeVerifier: a.verifier, expectedState: a.state },
        { resource: API },
      );
      await callback.close();
      expect(await first.verifyAccessToken(tokens.access_token)).not.toBeNull();
      const second = await start(server, slotless);
      expect(await second.verifyAccessToken(tokens.access_token)).toBeNull();
    } finally {
      await close(server);
    }
  });
});

describe('the sandbox with --data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostsmith-auth-persist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a client signed in before a restart stays signed in after it', async () => {
    const dataFile = join(dir, 'sandbox.json');
    let sandbox = await startSandbox({ port: 0, autoApprove: true, dataFile });
    const signedIn = await signIn({ api: sandbox.api, issuer: sandbox.issuer });
    const ports = {
      port: Number(new URL(sandbox.api).port),
      issuerPort: Number(new URL(sandbox.issuer).port),
    };
    await sandbox.close();

    sandbox = await startSandbox({ ...ports, autoApprove: true, dataFile });
    try {
      const account = await fetch(`${sandbox.api}/v1/account`, {
        headers: { authorization: `Bearer ${signedIn.accessToken}` },
      });
      expect(account.status).toBe(200);
      const next = await client.refreshTokenGrant(signedIn.config, signedIn.refreshToken);
      const again = await fetch(`${sandbox.api}/v1/account`, {
        headers: { authorization: `Bearer ${next.access_token}` },
      });
      expect(again.status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
