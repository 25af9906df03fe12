// The Session against the real sandbox (oidc-provider behind real HTTP) and the real file store:
// sign-in through our loopback callback driven by the scripted browser, refresh with rotation,
// invalid_grant, two "processes" (two Sessions, two stores, one folder) refreshing at once,
// a revoked grant, a client the server forgot, and sign-out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSession, type HostsmithSession, type SessionOptions } from '../../src/auth/session.js';
import { type Account, SignInRequired } from '../../src/auth/types.js';
import { createLogger } from '../../src/log.js';
import { openStore } from '../../src/store/open-store.js';
import type { CredentialStore } from '../../src/store/types.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const sandbox = await startTestSandbox({ rateLimit: 10_000 });
const ADA: Account = { email: 'ada@example.com', homePartition: 'us' };

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
const sessions: HostsmithSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  sandbox.window.setAccessTokenTtl(3600);
});

/** What the API says about a token: the real check, over HTTP. */
async function accountCall(token: string): Promise<Response> {
  return fetch(`${sandbox.api}/v1/account`, { headers: { authorization: `Bearer ${token}` } });
}

async function describeAccount(token: string): Promise<Account> {
  const res = await accountCall(token);
  if (!res.ok) throw new Error(`GET /v1/account: HTTP ${res.status}`);
  const body = (await res.json()) as { user: Account };
  return { email: body.user.email, homePartition: body.user.homePartition };
}

interface Harness {
  session: HostsmithSession;
  store: CredentialStore;
  lines: string[];
  opened: string[];
  browserErrors: unknown[];
  clock: { offsetMs: number };
}

/** One "process": its own store object on the folder `root`, its own Session and browser. */
async function processOn(
  root: string,
  opts: { action?: 'approve' | 'deny'; email?: string } & Partial<SessionOptions> = {},
): Promise<Harness> {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const store = await openStore({ root, client: 'auth-test', storage: 'file', log });
  const opened: string[] = [];
  const browserErrors: unknown[] = [];
  const clock = { offsetMs: 0 };
  const session = createSession({
    apiUrl: sandbox.api,
    store,
    log,
    describeAccount,
    now: () => Date.now() + clock.offsetMs,
    // A person at a browser: it travels the link while the sign-in waits.
    openBrowser: (url) => {
      opened.push(url);
      completeSignIn(url, { action: opts.action ?? 'approve', email: opts.email ?? ADA.email }).catch(
        (e: unknown) => browserErrors.push(e),
      );
      return { launched: true };
    },
    ...opts,
  });
  sessions.push(session);
  return { session, store, lines, opened, browserErrors, clock };
}

function freshRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'auth-it-'));
  roots.push(root);
  return root;
}

async function signedIn(root: string): Promise<Harness> {
  const h = await processOn(root);
  const signIn = await h.session.beginSignIn();
  await expect(signIn.done).resolves.toEqual(ADA);
  return h;
}

async function grantOf(store: CredentialStore) {
  const cred = await store.read(sandbox.api);
  const grants = await sandbox.window.grants();
  const mine = grants.filter((g) => g.clientId === cred?.client_id);
  expect(mine).toHaveLength(1);
  return mine[0] as (typeof grants)[number];
}

function refreshesOf(grantId: string): number {
  return sandbox.window.refreshCounts()[grantId] ?? 0;
}

describe('sign-in through the loopback callback', () => {
  it('signs in, stores the credential, and the token works at the API', async () => {
    const root = freshRoot();
    const h = await processOn(root);
    await expect(h.session.accessToken()).rejects.toBeInstanceOf(SignInRequired);

    const started = performance.now();
    const signIn = await h.session.beginSignIn();
    expect(signIn.joined).toBe(false);
    expect(signIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\//);
    await expect(signIn.done).resolves.toEqual(ADA);
    const roundTripMs = performance.now() - started;
    console.info(`sign-in round trip against the sandbox: ${roundTripMs.toFixed(0)} ms`);
    expect(h.browserErrors).toEqual([]);
    expect(h.opened).toEqual([signIn.url]);

    const cred = await h.store.read(sandbox.api);
    expect(cred).toMatchObject({
      issuer: sandbox.issuer,
      client_registered_dynamically: true,
      account: ADA,
      storage: 'file',
    });
    expect(cred?.scope.split(' ')).toEqual(expect.arrayContaining(['sites:read', 'files:write']));
    expect(cred?.refresh_token).toBeTruthy();
    // expires_in is counted down by the server: 3600, or 3599 across a second boundary.
    expect((cred?.expires_at ?? 0) - (cred?.issued_at ?? 0)).toBeGreaterThanOrEqual(3599);
    expect((cred?.expires_at ?? 0) - (cred?.issued_at ?? 0)).toBeLessThanOrEqual(3600);
    expect((await h.store.readRegistration(sandbox.issuer))?.client_id).toBe(cred?.client_id);
    expect(await h.store.readPendingSignIn(sandbox.api)).toBeUndefined();

    const token = await h.session.accessToken();
    expect(token).toBe(cred?.access_token);
    expect((await accountCall(token)).status).toBe(200);
    expect(await h.session.account()).toEqual(ADA);

    // The link was printed whole; no token, code or verifier the sandbox issued was.
    const output = h.lines.join('');
    expect(output).toContain(`Sign in to Hostsmith: open ${signIn.url}`);
    const secrets = sandbox.window.secrets();
    const all = [
      ...secrets.accessTokens,
      ...secrets.refreshTokens,
      ...secrets.authorizationCodes,
      ...secrets.codeVerifiers,
    ];
    expect(all.length).toBeGreaterThan(0);
    for (const secret of all) expect(output).not.toContain(secret);
  });

  it('a second process on the same folder joins the sign-in instead of opening a tab', async () => {
    const root = freshRoot();
    const a = await processOn(root);
    // b's person never acts: only a's browser travels the link.
    const b = await processOn(root, { openBrowser: () => ({ launched: true }) });
    const owner = await a.session.beginSignIn({ openBrowser: false });
    const joined = await b.session.beginSignIn();
    expect(joined).toMatchObject({ joined: true, url: owner.url });

    await completeSignIn(joined.url); // the link a joined process shows works
    await expect(owner.done).resolves.toEqual(ADA);
    await expect(joined.done).resolves.toEqual(ADA);
    expect(await b.session.accessToken()).toBe(await a.session.accessToken());
  });

  it('deny at the consent page: ACCESS_DENIED and nothing stored', async () => {
    const root = freshRoot();
    const h = await processOn(root, { action: 'deny' });
    const signIn = await h.session.beginSignIn();
    await expect(signIn.done).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await h.store.read(sandbox.api)).toBeUndefined();
    expect(await h.store.readPendingSignIn(sandbox.api)).toBeUndefined();
  });
});

describe('refresh', () => {
  it('renews a short-lived sandbox token (TTL 6 s) in its last third, rotating the refresh token', async () => {
    sandbox.window.setAccessTokenTtl(6);
    const h = await signedIn(freshRoot());
    const before = await h.store.read(sandbox.api);
    const grant = await grantOf(h.store);
    // 6 s, or 5 when a second boundary passed between the answer and openid-client's expiresIn(),
    // which counts down from the answer's arrival (the life is always counted short, never long).
    expect([5, 6]).toContain((before?.expires_at ?? 0) - (before?.issued_at ?? 0));
    // Near expiry is under a third (2 s) left: a slow sign-in still leaves 3 s of margin here.
    expect(await h.session.accessToken()).toBe(before?.access_token);
    // After 5 s at most 1 s is left, whatever the rounding: due.
    await new Promise((r) => setTimeout(r, 5000));

    const token = await h.session.accessToken();
    expect(token).not.toBe(before?.access_token);
    const after = await h.store.read(sandbox.api);
    expect(after?.access_token).toBe(token);
    expect(after?.refresh_token).not.toBe(before?.refresh_token);
    expect(after?.authorized_at).toBe(before?.authorized_at);
    expect(refreshesOf(grant.grantId)).toBe(1);
    expect((await accountCall(token)).status).toBe(200);
  });

  it('two processes near expiry at once: exactly one refresh at the sandbox, the grant survives', async () => {
    const root = freshRoot();
    const first = await signedIn(root);
    const grant = await grantOf(first.store);
    const b = await processOn(root);
    await b.session.accessToken(); // both hold the same pair in memory now
    first.clock.offsetMs = 3590_000;
    b.clock.offsetMs = 3590_000;

    const tokens = await Promise.all([
      ...Array.from({ length: 4 }, () => first.session.accessToken()),
      ...Array.from({ length: 4 }, () => b.session.accessToken()),
    ]);
    expect(new Set(tokens).size).toBe(1);
    expect(refreshesOf(grant.grantId)).toBe(1);
    expect((await sandbox.window.grants()).some((g) => g.grantId === grant.grantId)).toBe(true);
    expect((await accountCall(tokens[0] as string)).status).toBe(200);
  });

  it('a 401 forces one refresh; the renewed token works', async () => {
    const h = await signedIn(freshRoot());
    const grant = await grantOf(h.store);
    const token = await h.session.accessToken();
    const renewed = await h.session.afterUnauthorized(token);
    expect(renewed).not.toBe(token);
    expect((await accountCall(renewed)).status).toBe(200);
    expect(refreshesOf(grant.grantId)).toBe(1);
  });

  it('invalid_grant (grant revoked at the sandbox) clears the tokens: SignInRequired', async () => {
    const h = await signedIn(freshRoot());
    const grant = await grantOf(h.store);
    const token = await h.session.accessToken();
    expect(await sandbox.window.revokeGrant(grant.grantId)).toBe(true);
    expect((await accountCall(token)).status).toBe(401);

    const error = await h.session.afterUnauthorized(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequired);
    expect((error as SignInRequired).reason).toBe('revoked');
    expect(await h.store.read(sandbox.api)).toBeUndefined();
    await expect(h.session.accessToken()).rejects.toBeInstanceOf(SignInRequired);
  });

  it('a revoked grant leads to exactly one new sign-in across two processes', async () => {
    const root = freshRoot();
    const a = await signedIn(root);
    const b = await processOn(root);
    const token = await b.session.accessToken();
    const grant = await grantOf(a.store);
    await sandbox.window.revokeGrant(grant.grantId);

    // Both see the 401; neither loops.
    const outcomes = await Promise.all([
      a.session.afterUnauthorized(token).catch((e: unknown) => e),
      b.session.afterUnauthorized(token).catch((e: unknown) => e),
    ]);
    for (const o of outcomes) expect(o).toBeInstanceOf(SignInRequired);
    a.opened.length = 0;
    const [sa, sb] = await Promise.all([a.session.beginSignIn(), b.session.beginSignIn()]);
    expect([sa.joined, sb.joined].sort()).toEqual([false, true]);
    expect(sa.url).toBe(sb.url);
    expect(a.opened.length + b.opened.length).toBe(1);
    await expect(sa.done).resolves.toEqual(ADA);
    await expect(sb.done).resolves.toEqual(ADA);

    const fresh = await a.session.accessToken();
    expect(await b.session.accessToken()).toBe(fresh);
    expect((await accountCall(fresh)).status).toBe(200);
    const cred = await a.store.read(sandbox.api);
    expect((await sandbox.window.grants()).filter((g) => g.clientId === cred?.client_id)).toHaveLength(1);
  });

  it('a client the server no longer knows is registered again on the next sign-in', async () => {
    const root = freshRoot();
    const h = await signedIn(root);
    const cred = await h.store.read(sandbox.api);
    if (!cred) throw new Error('not signed in');
    // As if the server lost our registration: the stored client id is unknown to it.
    await h.store.write(sandbox.api, { ...cred, client_id: 'forgotten-client' });
    await h.store.writeRegistration(sandbox.issuer, { client_id: 'forgotten-client', registered_at: 1 });
    const fresh = await processOn(root);
    fresh.clock.offsetMs = 3600_000;
    await expect(fresh.session.accessToken()).rejects.toBeInstanceOf(SignInRequired);
    expect(await fresh.store.readRegistration(sandbox.issuer)).toBeUndefined();

    const signIn = await fresh.session.beginSignIn();
    await expect(signIn.done).resolves.toEqual(ADA);
    const registered = await fresh.store.readRegistration(sandbox.issuer);
    expect(registered?.client_id).toBeDefined();
    expect(registered?.client_id).not.toBe('forgotten-client');
  });
});

describe('sign-out', () => {
  it('revokes the grant at the sandbox and forgets the credentials', async () => {
    const h = await signedIn(freshRoot());
    const grant = await grantOf(h.store);
    const token = await h.session.accessToken();
    expect(await h.session.signOut()).toEqual({ signedOut: true, revoked: true, account: ADA });
    expect((await sandbox.window.grants()).some((g) => g.grantId === grant.grantId)).toBe(false);
    expect((await accountCall(token)).status).toBe(401);
    expect(await h.store.read(sandbox.api)).toBeUndefined();
  });
});
