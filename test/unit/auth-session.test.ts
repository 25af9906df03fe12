// The Session's rules with fakes for its two collaborators (the store and the OAuth messages):
// the near-expiry rule, single-flight refresh, the cross-process re-read, 401 handling, and
// sign-ins that are started, joined, denied, timed out or orphaned.
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type OAuthClient, OAuthRejection, type SignInClient, type TokenSet } from '../../src/auth/oauth.js';
import { createSession, type HostsmithSession, type SessionOptions } from '../../src/auth/session.js';
import { type Account, AuthError, SignInRequired } from '../../src/auth/types.js';
import { createLogger, redact } from '../../src/log.js';
import type {
  CredentialStore,
  LoadedCredential,
  PendingSignIn,
  Registration,
  StorageKind,
} from '../../src/store/types.js';

const RESOURCE = 'https://api.test';
const ISSUER = 'https://auth.test';
const ADA: Account = { email: 'ada@example.com', homePartition: 'us' };

const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The store, in memory; withLock is a real mutex so that two Sessions contend as two processes would. */
class MemoryStore implements CredentialStore {
  readonly dir = '/memory/hostsmith';
  readonly file = '/memory/hostsmith/oauth.json';
  readonly storage: StorageKind = 'file';
  creds = new Map<string, LoadedCredential>();
  registrations = new Map<string, Registration>();
  pending = new Map<string, PendingSignIn>();
  writeDelayMs = 0;
  locked = false;
  private chain: Promise<unknown> = Promise.resolve();

  async read(resource: string) {
    return clone(this.creds.get(resource));
  }
  async write(resource: string, credential: LoadedCredential) {
    if (this.writeDelayMs) await sleep(this.writeDelayMs);
    this.creds.set(resource, clone(credential));
  }
  async remove(resource: string) {
    this.creds.delete(resource);
  }
  async readRegistration(issuer: string) {
    return clone(this.registrations.get(issuer));
  }
  async writeRegistration(issuer: string, registration: Registration) {
    this.registrations.set(issuer, clone(registration));
  }
  async removeRegistration(issuer: string) {
    this.registrations.delete(issuer);
  }
  async readPendingSignIn(resource: string) {
    return clone(this.pending.get(resource));
  }
  async writePendingSignIn(resource: string, pending: PendingSignIn) {
    this.pending.set(resource, clone(pending));
  }
  async clearPendingSignIn(resource: string, pid?: number) {
    const p = this.pending.get(resource);
    if (p && (pid === undefined || p.pid === pid)) this.pending.delete(resource);
  }
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      this.locked = true;
      try {
        return await fn();
      } finally {
        this.locked = false;
      }
    });
    this.chain = run.catch(() => {});
    return run;
  }
  async resources() {
    return [...this.creds.keys()];
  }
}

/** An authorization server with rotation and reuse detection, as the real one has. */
class FakeAuthority implements OAuthClient {
  readonly resource = RESOURCE;
  liveRefresh: string | undefined;
  refreshCalls: string[] = [];
  prepareCalls = 0;
  revoked: Array<[string, string]> = [];
  /** The client id a sign-in uses (a forgotten registration is replaced by a new one). */
  clientId = 'client-1';
  forgotten: string[] = [];
  refreshDelayMs = 30;
  failNextRefresh: Error | undefined;
  /** Runs while a token request is on its way (a slow answer moves the clock on). */
  whileAnswering: (() => void) | undefined;
  ttl = 3600;
  private n = 0;

  issue(): TokenSet {
    this.n++;
    this.liveRefresh = `refresh-token-${this.n}-xxxxxxxx`;
    return {
      accessToken: `access-token-${this.n}-xxxxxxxx`,
      refreshToken: this.liveRefresh,
      expiresIn: this.ttl,
    };
  }
  revokeGrant() {
    this.liveRefresh = undefined;
  }

  async prepareSignIn(): Promise<SignInClient> {
    this.prepareCalls++;
    return {
      issuer: ISSUER,
      clientId: this.clientId,
      dynamic: true,
      scope: 'sites:read sites:write domains:read files:write',
      authorizationUrl: ({ redirectUri, state, codeChallenge }) =>
        `${ISSUER}/authorize?${new URLSearchParams({ redirect_uri: redirectUri, state, code_challenge: codeChallenge })}`,
      exchange: async (callbackUrl) => {
        const error = callbackUrl.searchParams.get('error');
        if (error) throw new OAuthRejection(error);
        if (callbackUrl.searchParams.get('code') !== 'good-code') throw new OAuthRejection('invalid_grant');
        this.whileAnswering?.();
        return this.issue();
      },
    };
  }

  async refresh(_grant: { issuer: string; clientId: string }, refreshToken: string): Promise<TokenSet> {
    this.refreshCalls.push(refreshToken);
    await sleep(this.refreshDelayMs);
    if (this.failNextRefresh) {
      const error = this.failNextRefresh;
      this.failNextRefresh = undefined;
      throw error;
    }
    if (!this.liveRefresh || refreshToken !== this.liveRefresh) {
      // Reuse of a rotated token revokes the whole grant.
      this.liveRefresh = undefined;
      throw new OAuthRejection('invalid_grant', 'grant request is invalid', 400);
    }
    this.whileAnswering?.();
    return this.issue();
  }

  async revoke(_grant: { issuer: string; clientId: string }, token: string, hint: string) {
    this.revoked.push([hint, token]);
    if (hint === 'refresh_token') this.liveRefresh = undefined;
    return true;
  }

  async forgetClient(issuer: string) {
    this.forgotten.push(issuer);
  }
}

class Clock {
  constructor(public ms = 1_800_000_000_000) {}
  now = () => this.ms;
  get seconds() {
    return Math.floor(this.ms / 1000);
  }
}

const sessions: HostsmithSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

function harness(
  overrides: Partial<SessionOptions> & { store?: MemoryStore; authority?: FakeAuthority; clock?: Clock } = {},
) {
  const store = overrides.store ?? new MemoryStore();
  const authority = overrides.authority ?? new FakeAuthority();
  const clock = overrides.clock ?? new Clock();
  const lines: string[] = [];
  const openBrowser = vi.fn(async (_url: string) => ({ launched: true }));
  const describeAccount = vi.fn(async (_token: string) => ADA);
  const session = createSession({
    apiUrl: RESOURCE,
    store,
    oauth: authority,
    log: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    openBrowser,
    describeAccount,
    now: clock.now,
    pollMs: 20,
    ...overrides,
  });
  sessions.push(session);
  return { session, store, authority, clock, lines, openBrowser, describeAccount };
}

/** A signed-in store: the authority's current grant, issued `age` seconds ago. */
function signedIn(
  store: MemoryStore,
  authority: FakeAuthority,
  clock: Clock,
  opts: { age?: number; lifetime?: number; authorizedAgo?: number; withIssuedAt?: boolean } = {},
) {
  const tokens = authority.issue();
  const lifetime = opts.lifetime ?? 3600;
  const issuedAt = clock.seconds - (opts.age ?? 0);
  const cred: LoadedCredential = {
    issuer: ISSUER,
    client_id: 'client-1',
    client_registered_dynamically: true,
    account: ADA,
    scope: 'sites:read sites:write domains:read files:write',
    ...(opts.withIssuedAt === false ? {} : { issued_at: issuedAt }),
    expires_at: issuedAt + lifetime,
    authorized_at: clock.seconds - (opts.authorizedAgo ?? opts.age ?? 0),
    storage: 'file',
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken as string,
  };
  store.creds.set(RESOURCE, structuredClone(cred));
  return cred;
}

describe('accessToken', () => {
  it('without credentials asks for a sign-in and never opens a browser', async () => {
    const { session, openBrowser } = harness();
    const error = await session.accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequired);
    expect((error as SignInRequired).reason).toBe('no_credentials');
    expect(openBrowser).not.toHaveBeenCalled();
  });

  it('uses a valid stored token without refreshing, and keeps it in memory', async () => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock, { age: 100 });
    const read = vi.spyOn(store, 'read');
    expect(await session.accessToken()).toBe(cred.access_token);
    expect(await session.accessToken()).toBe(cred.access_token);
    expect(read).toHaveBeenCalledTimes(1);
    expect(authority.refreshCalls).toEqual([]);
  });

  it.each([
    // [lifetime, seconds left, refreshes?]: the threshold is min(60 s, lifetime / 3)
    [3600, 61, false],
    [3600, 59, true],
    [30, 11, false],
    [30, 9, true],
    [3600, 0, true],
    [3600, -500, true],
  ])('lifetime %i s with %i s left: refresh=%s', async (lifetime, left, refreshes) => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock, { lifetime, age: lifetime - left });
    const token = await session.accessToken();
    expect(authority.refreshCalls).toHaveLength(refreshes ? 1 : 0);
    expect(token === cred.access_token).toBe(!refreshes);
  });

  it('without a stored issue time, judges the lifetime from when it first saw the token', async () => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock, { lifetime: 30, withIssuedAt: false });
    expect(await session.accessToken()).toBe(cred.access_token);
    clock.ms += 19_000; // 11 s left of 30: above a third
    expect(await session.accessToken()).toBe(cred.access_token);
    clock.ms += 2_000; // 9 s left
    expect(await session.accessToken()).not.toBe(cred.access_token);
    expect(authority.refreshCalls).toHaveLength(1);
  });

  it('refreshes once for many concurrent callers, and writes the pair before anyone uses it', async () => {
    const { session, store, authority, clock } = harness();
    signedIn(store, authority, clock, { age: 3590 });
    store.writeDelayMs = 50;
    const locks = vi.spyOn(store, 'withLock');
    const tokens = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const token = await session.accessToken();
        // Whoever got the new token finds it already in the store.
        expect((await store.read(RESOURCE))?.access_token).toBe(token);
        return token;
      }),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(authority.refreshCalls).toHaveLength(1);
    // One shared promise in-process: the others did not even queue for the lock.
    expect(locks).toHaveBeenCalledTimes(1);
    const stored = await store.read(RESOURCE);
    expect(stored?.refresh_token).toBe(authority.liveRefresh);
    expect(stored?.issued_at).toBe(clock.seconds);
    expect(stored?.expires_at).toBe(clock.seconds + 3600);
    expect(stored?.authorized_at).toBe(clock.seconds - 3590); // the grant's start is kept
  });

  it('two processes on one store, both near expiry at once: exactly one refresh, the grant stays alive', async () => {
    const store = new MemoryStore();
    const authority = new FakeAuthority();
    const clock = new Clock();
    signedIn(store, authority, clock, { age: 3590 });
    const a = harness({ store, authority, clock }).session;
    const b = harness({ store, authority, clock }).session;
    const [ta, tb] = await Promise.all([a.accessToken(), b.accessToken()]);
    expect(ta).toBe(tb);
    expect(authority.refreshCalls).toHaveLength(1);
    expect(authority.liveRefresh).toBe((await store.read(RESOURCE))?.refresh_token);
    expect(authority.liveRefresh).toBeDefined();
  });

  it('adopts the tokens another process rotated instead of presenting a spent refresh token', async () => {
    const store = new MemoryStore();
    const authority = new FakeAuthority();
    const clock = new Clock();
    const first = signedIn(store, authority, clock, { age: 0 });
    const a = harness({ store, authority, clock }).session;
    const b = harness({ store, authority, clock }).session;
    expect(await a.accessToken()).toBe(first.access_token); // a now holds the pair in memory
    clock.ms += 3550_000;
    const rotated = await b.accessToken(); // b rotates
    expect(rotated).not.toBe(first.access_token);
    clock.ms += 5_000;
    expect(await a.accessToken()).toBe(rotated); // a re-reads under the lock: no second refresh
    expect(authority.refreshCalls).toEqual([first.refresh_token]);
    expect(authority.liveRefresh).toBeDefined();
  });

  it('invalid_grant on refresh clears the tokens and asks for a sign-in', async () => {
    const { session, store, authority, clock, lines } = harness();
    signedIn(store, authority, clock, { age: 3600 });
    authority.revokeGrant();
    const error = await session.accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequired);
    expect((error as SignInRequired).reason).toBe('revoked');
    expect(store.creds.has(RESOURCE)).toBe(false);
    expect(lines.join('')).toMatch(/no longer valid \(invalid_grant\)/);
  });

  it('invalid_client on refresh also forgets the dynamic registration', async () => {
    const { session, store, authority, clock } = harness();
    signedIn(store, authority, clock, { age: 3600 });
    authority.failNextRefresh = new OAuthRejection('invalid_client', undefined, 401);
    await expect(session.accessToken()).rejects.toBeInstanceOf(SignInRequired);
    expect(authority.forgotten).toEqual([ISSUER]);
    expect(store.creds.has(RESOURCE)).toBe(false);
  });

  it('a transient failure keeps the tokens: REFRESH_FAILED now, success on the next call', async () => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock, { age: 3600 });
    authority.failNextRefresh = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = await session.accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('REFRESH_FAILED');
    expect((await store.read(RESOURCE))?.refresh_token).toBe(cred.refresh_token);
    const token = await session.accessToken();
    expect(token).not.toBe(cred.access_token);
    expect(authority.refreshCalls).toHaveLength(2);
  });

  it('a 5xx answer from the token endpoint is transient too', async () => {
    const { session, store, authority, clock } = harness();
    signedIn(store, authority, clock, { age: 3600 });
    authority.failNextRefresh = new Error('unexpected HTTP response status code (503)');
    await expect(session.accessToken()).rejects.toMatchObject({ code: 'REFRESH_FAILED' });
    expect(store.creds.has(RESOURCE)).toBe(true);
  });

  it('past the refresh token’s 90 days: sign in again, without asking the server', async () => {
    const { session, store, authority, clock } = harness();
    signedIn(store, authority, clock, { age: 3600, authorizedAgo: 91 * 86400 });
    const error = await session.accessToken().catch((e: unknown) => e);
    expect((error as SignInRequired).reason).toBe('refresh_expired');
    expect(authority.refreshCalls).toEqual([]);
    expect(store.creds.has(RESOURCE)).toBe(false);
  });

  it('counts a renewed token’s lifetime from before its request: a slow answer cannot stretch it', async () => {
    // The server starts the clock when it issues the token; an answer that took 3 s to arrive
    // must not make us believe the token lives 3 s longer than it does.
    const { session, store, authority, clock } = harness();
    signedIn(store, authority, clock, { age: 3600 });
    authority.ttl = 5;
    const sent = clock.seconds;
    authority.whileAnswering = () => {
      clock.ms += 3000;
    };
    await session.accessToken();
    expect(store.creds.get(RESOURCE)).toMatchObject({ issued_at: sent, expires_at: sent + 5 });
  });

  it('registers every token it holds as a secret with the logger', async () => {
    const { session, store, authority, clock } = harness();
    signedIn(store, authority, clock, { age: 3600 });
    const token = await session.accessToken();
    const stored = await store.read(RESOURCE);
    expect(redact(`a ${token} b ${stored?.refresh_token}`)).toBe('a [redacted] b [redacted]');
  });
});

describe('afterUnauthorized', () => {
  it('uses a newer token another caller already has, without refreshing', async () => {
    const store = new MemoryStore();
    const authority = new FakeAuthority();
    const clock = new Clock();
    const old = signedIn(store, authority, clock);
    const { session } = harness({ store, authority, clock });
    const newer = signedIn(store, authority, clock); // "another process" signed in again
    expect(await session.afterUnauthorized(old.access_token)).toBe(newer.access_token);
    expect(authority.refreshCalls).toEqual([]);
  });

  it('forces one refresh for many concurrent 401s of the same token', async () => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock);
    expect(await session.accessToken()).toBe(cred.access_token);
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => session.afterUnauthorized(cred.access_token)),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(cred.access_token);
    expect(authority.refreshCalls).toHaveLength(1);
  });

  it('a 401 for the token the forced refresh produced ends it: tokens cleared, SignInRequired', async () => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock);
    const renewed = await session.afterUnauthorized(cred.access_token);
    const error = await session.afterUnauthorized(renewed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInRequired);
    expect((error as SignInRequired).reason).toBe('unauthorized');
    expect(store.creds.has(RESOURCE)).toBe(false);
    expect(authority.refreshCalls).toHaveLength(1);
    await expect(session.accessToken()).rejects.toBeInstanceOf(SignInRequired);
  });

  it('a renewed token refused only after it expired is renewed again: the grant did not end', async () => {
    // The refresh storm's case: a slow call left with the renewed token while it was fresh, and
    // its 401 came back once the token had died. That is expiry, not a refusal of the grant.
    const { session, store, authority, clock } = harness();
    authority.ttl = 2;
    const cred = signedIn(store, authority, clock);
    const renewed = await session.afterUnauthorized(cred.access_token);
    clock.ms += 3000;
    const next = await session.afterUnauthorized(renewed);
    expect(next).not.toBe(renewed);
    expect(authority.refreshCalls).toHaveLength(2);
    expect(store.creds.get(RESOURCE)?.access_token).toBe(next);
    // A 401 for that one while it is still fresh is a refusal again.
    await expect(session.afterUnauthorized(next)).rejects.toBeInstanceOf(SignInRequired);
  });

  it('a revoked grant leads to exactly one sign-in, shared by two processes', async () => {
    const store = new MemoryStore();
    const authority = new FakeAuthority();
    const clock = new Clock();
    const cred = signedIn(store, authority, clock);
    const a = harness({ store, authority, clock });
    const b = harness({ store, authority, clock });
    await a.session.accessToken();
    await b.session.accessToken();
    authority.revokeGrant(); // as a person would from their account page: the API now says 401

    const outcomes = await Promise.all([
      a.session.afterUnauthorized(cred.access_token).catch((e: unknown) => e),
      b.session.afterUnauthorized(cred.access_token).catch((e: unknown) => e),
    ]);
    for (const o of outcomes) expect(o).toBeInstanceOf(SignInRequired);
    expect(authority.refreshCalls).toHaveLength(1); // the second process found the store cleared

    const [sa, sb] = [await a.session.beginSignIn(), await b.session.beginSignIn()];
    expect(sa.joined).toBe(false);
    expect(sb.joined).toBe(true);
    expect(sb.url).toBe(sa.url);
    expect(authority.prepareCalls).toBe(1);
    expect(a.openBrowser).toHaveBeenCalledTimes(1);
    expect(b.openBrowser).not.toHaveBeenCalled();

    await approve(sa.url);
    await expect(sa.done).resolves.toEqual(ADA);
    await expect(sb.done).resolves.toEqual(ADA);
    const fresh = await a.session.accessToken();
    expect(await b.session.accessToken()).toBe(fresh);
  });
});

// ---- sign-in ------------------------------------------------------------------------------

type HttpAnswer = { status: number; location?: string; body: string; cookie?: string };

/** One GET; `cookie` is sent as the Cookie header, and the answer's first Set-Cookie comes back. */
function httpGet(url: string, cookie?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      const setCookie = res.headers['set-cookie']?.[0]?.split(';')[0];
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          ...(res.headers.location ? { location: res.headers.location } : {}),
          ...(setCookie ? { cookie: setCookie } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A person's browser: follow the start link (or use the visit already made) to the (fake)
 * authorization URL and come back, carrying the cookie the start link set.
 */
async function approve(
  link: string,
  params: Record<string, string> = { code: 'good-code' },
  opened?: HttpAnswer,
) {
  const start = opened ?? (await httpGet(link));
  expect(start.status).toBe(302);
  const authorize = new URL(start.location as string);
  const callback = new URL(authorize.searchParams.get('redirect_uri') as string);
  callback.search = new URLSearchParams({
    ...params,
    state: authorize.searchParams.get('state') as string,
  }).toString();
  return httpGet(callback.href, start.cookie);
}

describe('step-up consent', () => {
  it('a grant lacking a needed scope asks for a sign-in; the new grant replaces it and the old one is revoked', async () => {
    const { session, store, authority, clock } = harness({ scopes: ['sites:read', 'domains:read'] });
    const narrow = signedIn(store, authority, clock);
    narrow.scope = 'sites:read offline_access';
    store.creds.set(RESOURCE, structuredClone(narrow));
    const error = await session.accessToken().catch((e: unknown) => e);
    expect((error as SignInRequired).reason).toBe('insufficient_scope');
    // The narrow grant is kept until the wider one is stored; the registration is forgotten, so
    // the wider grant is made for a new client (another grant for sure).
    expect((await store.read(RESOURCE))?.refresh_token).toBe(narrow.refresh_token);
    expect(authority.forgotten).toEqual([ISSUER]);
    authority.clientId = 'client-2';

    const signIn = await session.beginSignIn();
    expect((await approve(signIn.url)).status).toBe(200);
    await signIn.done;
    const wide = await store.read(RESOURCE);
    expect(wide?.refresh_token).not.toBe(narrow.refresh_token);
    expect(authority.revoked).toContainEqual(['refresh_token', narrow.refresh_token]);
    expect(authority.revoked).not.toContainEqual(['refresh_token', wide?.refresh_token]);
    expect(await session.accessToken()).toBe(wide?.access_token);
  });

  it('a new grant for the same client is not revoked: the server may have widened that very grant', async () => {
    const { session, store, authority, clock } = harness({ scopes: ['sites:read', 'domains:read'] });
    const narrow = signedIn(store, authority, clock);
    narrow.scope = 'sites:read';
    narrow.client_registered_dynamically = false;
    store.creds.set(RESOURCE, structuredClone(narrow));
    await session.accessToken().catch(() => {});
    expect(authority.forgotten).toEqual([]);
    const signIn = await session.beginSignIn();
    expect((await approve(signIn.url)).status).toBe(200);
    await signIn.done;
    expect(authority.revoked).toEqual([]);
    expect((await store.read(RESOURCE))?.refresh_token).not.toBe(narrow.refresh_token);
  });

  it('requireScope: a scope the API said was missing is needed from then on', async () => {
    const { session, store, authority, clock } = harness({ scopes: ['sites:read'] });
    const cred = signedIn(store, authority, clock);
    cred.scope = 'sites:read';
    store.creds.set(RESOURCE, structuredClone(cred));
    expect(await session.accessToken()).toBe(cred.access_token);
    await session.requireScope('domains:read');
    const error = await session.accessToken().catch((e: unknown) => e);
    expect((error as SignInRequired).reason).toBe('insufficient_scope');
  });
});

describe('beginSignIn', () => {
  it('starts one sign-in per process: same object, one browser, the link on stderr', async () => {
    const { session, store, openBrowser, describeAccount, lines, clock } = harness();
    const [s1, s2] = await Promise.all([session.beginSignIn(), session.beginSignIn()]);
    expect(s1).toBe(s2);
    expect(await session.beginSignIn()).toBe(s1);
    expect(s1.joined).toBe(false);
    expect(s1.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+$/);
    expect(openBrowser).toHaveBeenCalledTimes(1);
    expect(openBrowser).toHaveBeenCalledWith(s1.url);
    // Printed whole: the start link carries no state or challenge for the logger to redact.
    expect(lines.join('')).toContain(`Sign in to Hostsmith: open ${s1.url}`);
    expect(store.pending.get(RESOURCE)).toMatchObject({
      url: s1.url,
      pid: process.pid,
      started_at: clock.seconds,
      expires_at: clock.seconds + 600,
    });

    const page = await approve(s1.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain("You're signed in to Hostsmith as <strong>ada@example.com</strong>");
    await expect(s1.done).resolves.toEqual(ADA);
    const cred = await store.read(RESOURCE);
    expect(cred).toMatchObject({
      account: ADA,
      issuer: ISSUER,
      client_id: 'client-1',
      authorized_at: clock.seconds,
    });
    expect(describeAccount).toHaveBeenCalledWith(cred?.access_token);
    expect(await session.accessToken()).toBe(cred?.access_token);
    await vi.waitFor(() => expect(store.pending.has(RESOURCE)).toBe(false), { timeout: 30_000 });
    expect(lines.join('')).toContain(
      'Signed in to Hostsmith as ada@example.com; credentials saved in /memory/hostsmith/oauth.json',
    );
    // A new call after completion starts a new sign-in.
    const next = await session.beginSignIn();
    expect(next).not.toBe(s1);
    next.cancel();
  });

  it('counts the signed-in token’s lifetime from before the code exchange', async () => {
    const { session, store, authority, clock } = harness();
    authority.ttl = 5;
    const sent = clock.seconds;
    authority.whileAnswering = () => {
      clock.ms += 3000;
    };
    const signIn = await session.beginSignIn();
    await approve(signIn.url);
    await signIn.done;
    expect(store.creds.get(RESOURCE)).toMatchObject({ issued_at: sent, expires_at: sent + 5 });
  });

  it('openBrowser: false prints the link but launches nothing', async () => {
    const { session, openBrowser, lines } = harness();
    const signIn = await session.beginSignIn({ openBrowser: false });
    expect(openBrowser).not.toHaveBeenCalled();
    expect(lines.join('')).toContain(signIn.url);
    signIn.cancel();
    await expect(signIn.done).rejects.toMatchObject({ code: 'SIGN_IN_CANCELLED' });
  });

  it('says on stderr when no browser was launched', async () => {
    const { session, lines } = harness({
      openBrowser: async () => ({ launched: false, reason: '--no-browser is set' }),
    });
    const signIn = await session.beginSignIn();
    expect(lines.join('')).toContain('Not opening a browser: --no-browser is set');
    signIn.cancel();
  });

  it('a denied sign-in rejects with ACCESS_DENIED, clears the marker, and a joined process learns it', async () => {
    const store = new MemoryStore();
    const authority = new FakeAuthority();
    const clock = new Clock();
    const a = harness({ store, authority, clock });
    const b = harness({ store, authority, clock });
    const owner = await a.session.beginSignIn();
    const joined = await b.session.beginSignIn();
    expect(joined.joined).toBe(true);
    const page = await approve(owner.url, { error: 'access_denied' });
    expect(page.status).toBe(403);
    expect(page.body).toContain('You chose not to let this app use your Hostsmith account');
    await expect(owner.done).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(joined.done).rejects.toMatchObject({ code: 'SIGN_IN_FAILED' });
    expect(store.pending.has(RESOURCE)).toBe(false);
    expect(store.creds.has(RESOURCE)).toBe(false);
  });

  it('a wrong state does not end the wait', async () => {
    const { session } = harness();
    const signIn = await session.beginSignIn();
    const start = await httpGet(signIn.url);
    const callback = new URL(new URL(start.location as string).searchParams.get('redirect_uri') as string);
    callback.search = 'code=good-code&state=forged';
    expect((await httpGet(callback.href, start.cookie)).status).toBe(400);
    expect((await approve(signIn.url, undefined, start)).status).toBe(200);
    await expect(signIn.done).resolves.toEqual(ADA);
  });

  it('the start link works once, and only the browser that opened it can finish', async () => {
    const { session } = harness();
    const signIn = await session.beginSignIn();
    const start = await httpGet(signIn.url);
    expect(start.status).toBe(302);
    // Named per sign-in (by port): cookies ignore ports, and two sign-ins may wait in one browser.
    const port = new URL(signIn.url).port;
    expect(start.cookie).toMatch(new RegExp(`^hostsmith_sign_in_${port}=[\\w-]{20,}$`));
    const again = await httpGet(signIn.url);
    expect(again.status).toBe(410);
    expect(again.body).toContain('already used');
    // Someone else's browser (no cookie, or a forged one) with the right state: refused, wait goes on.
    const authorize = new URL(start.location as string);
    const callback = new URL(authorize.searchParams.get('redirect_uri') as string);
    callback.search = new URLSearchParams({
      code: 'good-code',
      state: authorize.searchParams.get('state') as string,
    }).toString();
    const stranger = await httpGet(callback.href);
    expect(stranger.status).toBe(400);
    expect(stranger.body).toContain('browser where you started');
    expect((await httpGet(callback.href, `hostsmith_sign_in_${port}=forged`)).status).toBe(400);
    expect((await approve(signIn.url, undefined, start)).status).toBe(200);
    await expect(signIn.done).resolves.toEqual(ADA);
  });

  it('times out after signInTimeoutMs and clears its marker', async () => {
    const { session, store } = harness({ signInTimeoutMs: 200 });
    const signIn = await session.beginSignIn();
    await expect(signIn.done).rejects.toMatchObject({ code: 'SIGN_IN_TIMEOUT' });
    expect(store.pending.has(RESOURCE)).toBe(false);
  });

  it('starts afresh when the marker belongs to a process that is gone', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.once('exit', r));
    store.pending.set(RESOURCE, {
      url: 'http://127.0.0.1:9/start/dead',
      pid,
      started_at: clock.seconds,
      expires_at: clock.seconds + 600,
    });
    const { session, openBrowser } = harness({ store, clock });
    const signIn = await session.beginSignIn();
    expect(signIn.joined).toBe(false);
    expect(signIn.url).not.toBe('http://127.0.0.1:9/start/dead');
    expect(openBrowser).toHaveBeenCalledTimes(1);
    expect(store.pending.get(RESOURCE)?.pid).toBe(process.pid);
    signIn.cancel();
  });

  it('starts afresh over a marker with our own pid that this process does not own, or one that expired', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    store.pending.set(RESOURCE, {
      url: 'http://127.0.0.1:9/start/stale',
      pid: process.pid,
      started_at: clock.seconds,
      expires_at: clock.seconds + 600,
    });
    const first = await harness({ store, clock }).session.beginSignIn();
    expect(first.joined).toBe(false);
    first.cancel();
    await first.done.catch(() => {});
    store.pending.set(RESOURCE, {
      url: 'http://127.0.0.1:9/start/old',
      pid: 1,
      started_at: clock.seconds - 700,
      expires_at: clock.seconds - 100,
    });
    const second = await harness({ store, clock }).session.beginSignIn();
    expect(second.joined).toBe(false);
    second.cancel();
  });

  /** A sign-in owned by `a`, whose marker now names another process, as if `a` ran there. */
  async function ownedElsewhere(pid: number) {
    const store = new MemoryStore();
    const clock = new Clock();
    const a = harness({ store, clock });
    const b = harness({ store, clock });
    const owner = await a.session.beginSignIn();
    const marker = { ...(store.pending.get(RESOURCE) as PendingSignIn), pid };
    store.pending.set(RESOURCE, marker);
    return { store, a, b, owner, marker };
  }

  it('joins an owner in another process that answers the liveness probe; when that process dies, the next call starts afresh', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const { b, owner } = await ownedElsewhere(other.pid as number);
    const joined = await b.session.beginSignIn();
    expect(joined).toMatchObject({ joined: true, url: owner.url });
    expect(b.openBrowser).not.toHaveBeenCalled();
    other.kill();
    await expect(joined.done).rejects.toMatchObject({
      code: 'SIGN_IN_FAILED',
      message: expect.stringMatching(/exited/),
    });
    const fresh = await b.session.beginSignIn();
    expect(fresh.joined).toBe(false);
    expect(b.openBrowser).toHaveBeenCalledTimes(1);
    fresh.cancel();
    owner.cancel();
  });

  it('an owner that misses one liveness probe (a busy machine) is still joined: it is asked again', async () => {
    const { store, b, owner, marker } = await ownedElsewhere(process.ppid);
    const probe = marker.owner as NonNullable<PendingSignIn['owner']>;
    // The owner's answer, given from the second request on: the first one stalls past the probe's limit.
    let requests = 0;
    const busy = createServer((_req, res) => {
      if (++requests > 1) res.end(probe.digest);
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(busy.address() as AddressInfo).port}`;
    store.pending.set(RESOURCE, {
      ...marker,
      owner: { ...probe, url: `${origin}${new URL(probe.url).pathname}` },
    });
    try {
      const joined = await b.session.beginSignIn();
      expect(joined).toMatchObject({ joined: true, url: owner.url });
      expect(requests).toBeGreaterThanOrEqual(2);
      expect(b.openBrowser).not.toHaveBeenCalled();
      joined.cancel();
    } finally {
      owner.cancel();
      busy.closeAllConnections();
      busy.close();
    }
  });

  it('a marker whose PID is alive but whose owner is gone (hard kill, PID reused) is not joined', async () => {
    // The test runner's parent: alive, and no sign-in owner.
    const { store, b, owner, marker } = await ownedElsewhere(process.ppid);
    owner.cancel(); // its server closes; the marker, naming another pid, stays behind
    await owner.done.catch(() => {});
    expect(store.pending.get(RESOURCE)?.url).toBe(marker.url);
    const fresh = await b.session.beginSignIn();
    expect(fresh.joined).toBe(false);
    expect(fresh.url).not.toBe(marker.url);
    expect(b.openBrowser).toHaveBeenCalledWith(fresh.url);
    expect(store.pending.get(RESOURCE)).toMatchObject({ url: fresh.url, pid: process.pid });
    fresh.cancel();
  });

  it('a joined sign-in fails when its owner stops answering while its PID lives on', async () => {
    const { store, b, owner, marker } = await ownedElsewhere(process.ppid);
    const joined = await b.session.beginSignIn();
    expect(joined).toMatchObject({ joined: true, url: owner.url });
    owner.cancel();
    await expect(joined.done).rejects.toMatchObject({
      code: 'SIGN_IN_FAILED',
      message: expect.stringMatching(/stopped answering/),
    });
    expect(store.pending.get(RESOURCE)?.url).toBe(marker.url); // left behind, as after a hard kill
    const fresh = await b.session.beginSignIn();
    expect(fresh.joined).toBe(false);
    fresh.cancel();
  });

  it('a marker without a liveness probe (or with a wrong one) counts as gone, whatever its PID', async () => {
    const { store, b, owner, marker } = await ownedElsewhere(process.ppid);
    const { owner: _probe, ...unprovable } = marker;
    store.pending.set(RESOURCE, unprovable);
    const first = await b.session.beginSignIn();
    expect(first.joined).toBe(false);
    first.cancel();
    await first.done.catch(() => {});
    // The owner's server is up, but the marker expects another digest: not this owner.
    store.pending.set(RESOURCE, {
      ...marker,
      owner: { url: marker.owner?.url as string, digest: '0'.repeat(64) },
    });
    const second = await b.session.beginSignIn();
    expect(second.joined).toBe(false);
    second.cancel();
    owner.cancel();
  });

  it('close() cancels the sign-in and clears its marker before it returns', async () => {
    const { session, store } = harness();
    const signIn = await session.beginSignIn();
    expect(store.pending.has(RESOURCE)).toBe(true);
    const clear = store.clearPendingSignIn.bind(store);
    store.clearPendingSignIn = async (resource, pid) => {
      await sleep(30); // a real file write takes a while
      await clear(resource, pid);
    };
    await session.close();
    expect(store.pending.has(RESOURCE)).toBe(false);
    await expect(signIn.done).rejects.toMatchObject({ code: 'SIGN_IN_CANCELLED' });
    await expect(httpGet(signIn.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('cancelling a joined sign-in stops watching', async () => {
    const store = new MemoryStore();
    const a = harness({ store });
    const b = harness({ store });
    const owner = await a.session.beginSignIn();
    const joined = await b.session.beginSignIn();
    joined.cancel('not needed');
    await expect(joined.done).rejects.toMatchObject({ code: 'SIGN_IN_CANCELLED' });
    owner.cancel();
  });

  it('a code the server refuses (expired) fails the sign-in with the expired page', async () => {
    const { session, store } = harness();
    const signIn = await session.beginSignIn();
    const page = await approve(signIn.url, { code: 'stale-code' });
    expect(page.status).toBe(410);
    expect(page.body).toContain('This sign-in link has expired');
    await expect(signIn.done).rejects.toMatchObject({ code: 'SIGN_IN_FAILED' });
    expect(store.creds.has(RESOURCE)).toBe(false);
  });
});

describe('signOut', () => {
  it('revokes the refresh token, then the access token, and forgets the credentials', async () => {
    const { session, store, authority, clock } = harness();
    const cred = signedIn(store, authority, clock);
    const result = await session.signOut();
    expect(result).toEqual({ signedOut: true, revoked: true, account: ADA });
    expect(authority.revoked).toEqual([
      ['refresh_token', cred.refresh_token],
      ['access_token', cred.access_token],
    ]);
    expect(store.creds.has(RESOURCE)).toBe(false);
    await expect(session.accessToken()).rejects.toBeInstanceOf(SignInRequired);
    expect(await session.signOut()).toEqual({ signedOut: false, revoked: false });
  });

  it('forgets local credentials even when the server cannot be reached', async () => {
    const { session, store, authority, clock, lines } = harness();
    signedIn(store, authority, clock);
    authority.revoke = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    const result = await session.signOut();
    expect(result).toMatchObject({
      signedOut: true,
      revoked: false,
      warning: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(store.creds.has(RESOURCE)).toBe(false);
    expect(lines.join('')).toMatch(/Could not revoke/);
  });
});
