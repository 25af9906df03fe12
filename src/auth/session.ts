// The Session: access tokens for one API, refreshed with rotation safety, and sign-ins that are
// started or joined. Refresh is single-flight in this process (one shared promise) and across
// processes (the store's lock, then a re-read: a changed refresh token means another process
// already rotated). It never opens a browser by itself: only beginSignIn() does.
import { randomBytes } from 'node:crypto';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier, randomState } from 'openid-client';
import { addSecret, type Logger } from '../log.js';
import type { CredentialStore, LoadedCredential, PendingSignIn } from '../store/types.js';
import type { BrowserResult } from './browser.js';
import { renderPage } from './callback-page.js';
import { type CallbackAnswer, startCallbackServer } from './callback-server.js';
import { type AuthHttp, createAuthHttp } from './http.js';
import {
  createOAuthClient,
  DEFAULT_SCOPES,
  type OAuthClient,
  OAuthRejection,
  type SignInClient,
  type TokenSet,
} from './oauth.js';
import { createOwnerSecret, ownerAnswers, pidAlive } from './owner-liveness.js';
import { revokeGrant } from './revoke.js';
import { type SignOutResult, signOut } from './sign-out.js';
import {
  type Account,
  AuthError,
  type BeginSignInOptions,
  type Session,
  type SignIn,
  SignInRequired,
} from './types.js';

/** The refresh token's life, counted from the original authorization. */
export const REFRESH_WINDOW_SECONDS = 90 * 24 * 3600;
/** The callback server gives up after this long. */
export const SIGN_IN_TIMEOUT_MS = 10 * 60 * 1000;
/** When the server does not say (the API documents one hour). */
const DEFAULT_TOKEN_LIFETIME = 3600;
/** OAuth errors on refresh after which only a new sign-in helps. */
const GRANT_ENDERS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope']);
const CLIENT_REJECTED = new Set(['invalid_client', 'unauthorized_client']);

export interface SessionOptions {
  /** The API base URL; its canonical form is the resource indicator and the store key. */
  apiUrl: string;
  store: CredentialStore;
  log: Logger;
  /** Looks up the signed-in account (GET /v1/account) — injected so auth never imports hostsmith/. */
  describeAccount(accessToken: string): Promise<Account>;
  /** Launch a browser on the sign-in link (createBrowserOpener()); the link is printed regardless. */
  openBrowser(url: string): Promise<BrowserResult | undefined> | BrowserResult | undefined;
  /** A pre-registered client id (--client-id); dynamic registration otherwise. */
  clientId?: string;
  /** Scopes to request (the four Hostsmith scopes by default; offline_access is added when offered). */
  scopes?: readonly string[];
  /** Milliseconds since the epoch (Date.now). */
  now?(): number;
  /** How long a sign-in waits for the person (10 minutes). */
  signInTimeoutMs?: number;
  /** How often a joined sign-in looks at the store (300 ms). */
  pollMs?: number;
  /**
   * Show the sign-in as a short /start/{id} link on our loopback server that redirects to the
   * authorization URL (default true). The authorization URL itself carries state and the PKCE
   * challenge, which the logger redacts, so it could not be printed usefully.
   */
  startLink?: boolean;
  /** The HTTP client for OAuth requests (one is made, and closed by close(), otherwise). */
  http?: AuthHttp;
  /** For unit tests: the OAuth messages. Built from apiUrl, store, clientId and http otherwise. */
  oauth?: OAuthClient;
}

export interface HostsmithSession extends Session {
  /** The API's canonical URL: resource indicator and store key. */
  readonly resource: string;
  /** Revoke the grant at the server (best effort) and forget the local credentials. */
  signOut(): Promise<SignOutResult>;
  /** Cancel a sign-in in flight (closing its callback server) and release HTTP connections. */
  close(): Promise<void>;
}

/** Sign-ins owned by this process, by link: a marker with our pid and another link is stale. */
const ownedHere = new Set<string>();

/** Probes a watched owner may miss in a row (a busy machine) before it counts as gone. */
const OWNER_MISSES = 2;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function failure<T>(status: number, page: string, error: unknown): CallbackAnswer<T> {
  return { status, page, outcome: { ok: false, error } };
}

export function createSession(opts: SessionOptions): HostsmithSession {
  return new SessionImpl(opts);
}

class SessionImpl implements HostsmithSession {
  readonly resource: string;
  private readonly store: CredentialStore;
  private readonly log: Logger;
  private readonly oauth: OAuthClient;
  private readonly http: AuthHttp | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly pollMs: number;

  /** The credential this process last read or wrote. */
  private current: LoadedCredential | undefined;
  private refreshing: Promise<LoadedCredential> | undefined;
  /** Access tokens that came out of a refresh forced by a 401: a 401 for one of them ends the grant. */
  private readonly forced = new Set<string>();
  /** Remaining lifetime at first sight, for credentials stored without issued_at. */
  private readonly lifetimes = new Map<string, number>();
  private signIn: SignIn | undefined;
  private starting: Promise<SignIn> | undefined;

  constructor(private readonly opts: SessionOptions) {
    this.store = opts.store;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.signInTimeoutMs ?? SIGN_IN_TIMEOUT_MS;
    this.pollMs = opts.pollMs ?? 300;
    if (opts.oauth) {
      this.oauth = opts.oauth;
      this.http = opts.http;
    } else {
      const http = opts.http ?? createAuthHttp();
      // Only close what we made.
      this.http = opts.http ? undefined : http;
      this.oauth = createOAuthClient({
        apiUrl: opts.apiUrl,
        store: opts.store,
        http,
        log: opts.log,
        scopes: opts.scopes ?? DEFAULT_SCOPES,
        ...(opts.clientId ? { clientId: opts.clientId } : {}),
      });
    }
    this.resource = this.oauth.resource;
  }

  private nowSeconds(): number {
    return this.now() / 1000;
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** Less than min(60 s, a third of the token's lifetime) left, or gone. */
  private needsRefresh(cred: LoadedCredential): boolean {
    const left = cred.expires_at - this.nowSeconds();
    if (left <= 0) return true;
    let lifetime: number;
    if (cred.issued_at !== undefined) {
      lifetime = cred.expires_at - cred.issued_at;
    } else {
      // No issue time stored: the time left when first seen is a lower bound of the lifetime.
      lifetime = this.lifetimes.get(cred.access_token) ?? left;
      this.lifetimes.set(cred.access_token, lifetime);
    }
    return left < Math.min(60, lifetime / 3);
  }

  private async load(): Promise<LoadedCredential | undefined> {
    this.current = await this.store.read(this.resource);
    if (this.current) {
      addSecret(this.current.access_token);
      addSecret(this.current.refresh_token);
    }
    return this.current;
  }

  async accessToken(): Promise<string> {
    const cred = this.current ?? (await this.load());
    if (!cred) throw new SignInRequired('no_credentials');
    if (!this.needsRefresh(cred)) return cred.access_token;
    return (await this.refresh(cred)).access_token;
  }

  async afterUnauthorized(rejected: string): Promise<string> {
    // Someone already has a newer token: this process, a refresh in flight, or another process.
    const fresh = (cred: LoadedCredential | undefined) =>
      cred !== undefined && cred.access_token !== rejected && !this.needsRefresh(cred);
    if (fresh(this.current)) return (this.current as LoadedCredential).access_token;
    if (this.refreshing) {
      const joined = await this.refreshing;
      if (fresh(joined)) return joined.access_token;
    }
    const stored = await this.load();
    if (!stored) throw new SignInRequired('unauthorized');
    if (fresh(stored)) return stored.access_token;
    if (this.forced.has(rejected)) {
      // The token a forced refresh just produced was refused as well: refreshing cannot help.
      await this.forget((cred) => cred.access_token === rejected);
      this.log.info('Hostsmith refused the renewed sign-in as well; you will be asked to sign in again.');
      throw new SignInRequired('unauthorized');
    }
    const next = await this.refresh(stored, rejected);
    this.forced.add(next.access_token);
    return next.access_token;
  }

  /** One refresh at a time in this process; concurrent callers share it. */
  private refresh(seen: LoadedCredential, rejected?: string): Promise<LoadedCredential> {
    this.refreshing ??= this.refreshUnderLock(seen, rejected).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshUnderLock(seen: LoadedCredential, rejected?: string): Promise<LoadedCredential> {
    try {
      return await this.store.withLock(async () => {
        const stored = await this.store.read(this.resource);
        if (!stored) {
          // Another process found the grant dead (or signed out) and cleared it.
          this.current = undefined;
          throw new SignInRequired('revoked');
        }
        addSecret(stored.access_token);
        addSecret(stored.refresh_token);
        // Another process rotated (or signed in again) since we read: its pair is the live one,
        // and presenting our used refresh token would revoke the whole grant.
        const changed =
          stored.refresh_token !== seen.refresh_token || stored.access_token !== seen.access_token;
        if (changed && stored.access_token !== rejected && !this.needsRefresh(stored)) {
          this.current = stored;
          return stored;
        }
        if (!stored.refresh_token || this.nowSeconds() >= stored.authorized_at + REFRESH_WINDOW_SECONDS) {
          await this.store.remove(this.resource);
          this.current = undefined;
          this.log.info('Your Hostsmith sign-in is older than 90 days; you will be asked to sign in again.');
          throw new SignInRequired('refresh_expired');
        }
        let tokens: TokenSet;
        try {
          tokens = await this.oauth.refresh(
            { issuer: stored.issuer, clientId: stored.client_id },
            stored.refresh_token,
          );
        } catch (error) {
          if (error instanceof OAuthRejection && GRANT_ENDERS.has(error.error)) {
            if (CLIENT_REJECTED.has(error.error) && stored.client_registered_dynamically) {
              await this.oauth.forgetClient(stored.issuer);
            }
            await this.store.remove(this.resource);
            this.current = undefined;
            this.log.info(
              `Your Hostsmith sign-in is no longer valid (${error.error}); you will be asked to sign in again.`,
            );
            throw new SignInRequired('revoked');
          }
          throw new AuthError(
            'REFRESH_FAILED',
            `Could not renew the Hostsmith sign-in (${message(error)}); it is kept and will be retried.`,
            { cause: error },
          );
        }
        const issuedAt = Math.floor(this.nowSeconds());
        const next: LoadedCredential = {
          ...stored,
          access_token: tokens.accessToken,
          // A server that does not rotate keeps the refresh token it has.
          refresh_token: tokens.refreshToken ?? stored.refresh_token,
          scope: tokens.scope ?? stored.scope,
          issued_at: issuedAt,
          expires_at: issuedAt + (tokens.expiresIn ?? DEFAULT_TOKEN_LIFETIME),
          storage: this.store.storage,
        };
        // The rotated pair is on disk before anyone uses the new access token: the old refresh
        // token is spent, and another process must find the new one.
        this.current = next;
        try {
          await this.store.write(this.resource, next);
        } catch (error) {
          throw new AuthError(
            'REFRESH_FAILED',
            `Renewed the Hostsmith sign-in but could not save it to ${this.store.file} (${message(error)}).`,
            { cause: error },
          );
        }
        this.log.debug('renewed the access token');
        return next;
      });
    } catch (error) {
      if (error instanceof SignInRequired || error instanceof AuthError) throw error;
      throw new AuthError('REFRESH_FAILED', `Could not renew the Hostsmith sign-in (${message(error)}).`, {
        cause: error,
      });
    }
  }

  /** Remove the stored credential if it is still the one `matches` describes. */
  private async forget(matches: (cred: LoadedCredential) => boolean): Promise<void> {
    await this.store.withLock(async () => {
      const stored = await this.store.read(this.resource);
      if (stored && matches(stored)) await this.store.remove(this.resource);
    });
    if (this.current && matches(this.current)) this.current = undefined;
  }

  async account(): Promise<Account | undefined> {
    return (await this.store.read(this.resource))?.account;
  }

  // ---- sign-in ------------------------------------------------------------------------------

  beginSignIn(options: BeginSignInOptions = {}): Promise<SignIn> {
    if (this.signIn) return Promise.resolve(this.signIn);
    this.starting ??= this.startOrJoin(options)
      .then((started) => {
        const forget = () => {
          if (this.signIn === signIn) this.signIn = undefined;
        };
        // A cancelled sign-in is over at once: the next beginSignIn() must not be handed it while
        // its `done` is still settling (clearing its marker in the store).
        const signIn: SignIn = {
          ...started,
          cancel: (reason) => {
            forget();
            started.cancel(reason);
          },
        };
        this.signIn = signIn;
        signIn.done.then(forget, forget);
        return signIn;
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  /** A marker is live while its time has not run out and its owner answers the liveness probe. */
  private async isLive(pending: PendingSignIn): Promise<boolean> {
    if (pending.expires_at <= this.nowSeconds()) return false;
    if (pending.pid === process.pid) return ownedHere.has(pending.url);
    return ownerAnswers(pending);
  }

  private async startOrJoin(options: BeginSignInOptions): Promise<SignIn> {
    const pending = await this.store.readPendingSignIn(this.resource);
    if (pending && (await this.isLive(pending))) return this.join(pending);
    // Found dead just now: not probed again under the lock (a stalled listener costs 500 ms).
    const dead = pending?.url;

    // Discovery, registration and the loopback server happen outside the lock; the check and
    // the marker inside it, so that of two processes starting together one owns and one joins.
    const owned = await this.prepare();
    let other: PendingSignIn | undefined;
    try {
      await this.store.withLock(async () => {
        const again = await this.store.readPendingSignIn(this.resource);
        if (again && again.url !== dead && (await this.isLive(again))) {
          other = again;
          return;
        }
        await this.store.writePendingSignIn(this.resource, owned.marker);
        ownedHere.add(owned.marker.url);
      });
    } catch (error) {
      owned.signIn.cancel('could not record the sign-in');
      throw error;
    }
    if (other) {
      owned.signIn.cancel('another process is already signing in');
      return this.join(other);
    }

    this.log.info(`Sign in to Hostsmith: open ${owned.signIn.url}`);
    if (options.openBrowser !== false) {
      try {
        const launched = await this.opts.openBrowser(owned.signIn.url);
        if (launched && !launched.launched) {
          this.log.info(
            `Not opening a browser: ${launched.reason ?? 'unknown reason'}. Open the link above yourself.`,
          );
        }
      } catch (error) {
        this.log.info(`Could not open a browser (${message(error)}). Open the link above yourself.`);
      }
    }
    return owned.signIn;
  }

  private async prepare(): Promise<{ signIn: SignIn; marker: PendingSignIn }> {
    const client = await this.oauth.prepareSignIn();
    const state = randomState();
    const verifier = randomPKCECodeVerifier();
    const challenge = await calculatePKCECodeChallenge(verifier);
    addSecret(state);
    addSecret(verifier);
    addSecret(challenge);

    const startedAt = Math.floor(this.nowSeconds());
    const owner = createOwnerSecret();
    const server = await startCallbackServer<Account>({
      state,
      timeoutMs: this.timeoutMs,
      log: this.log,
      alive: owner.answer,
      complete: (callbackUrl) => this.complete(callbackUrl, client, state, verifier),
    });
    const authorizationUrl = client.authorizationUrl({
      redirectUri: server.redirectUri,
      state,
      codeChallenge: challenge,
    });
    const url =
      this.opts.startLink === false
        ? authorizationUrl
        : server.startLink(randomBytes(16).toString('base64url'), authorizationUrl);
    const marker: PendingSignIn = {
      url,
      pid: process.pid,
      started_at: startedAt,
      expires_at: startedAt + Math.ceil(this.timeoutMs / 1000),
      owner: owner.probe(server.origin),
    };
    const done = server.result.finally(async () => {
      if (!ownedHere.delete(url)) return; // never recorded: nothing to clear
      await this.store
        .clearPendingSignIn(this.resource, process.pid)
        .catch((error) => this.log.debug(`could not clear the sign-in marker: ${message(error)}`));
    });
    done.catch(() => {}); // the caller may stop listening; that must not crash the process
    return {
      marker,
      signIn: {
        url,
        joined: false,
        done,
        cancel: (reason) =>
          server.close(new AuthError('SIGN_IN_CANCELLED', reason ?? 'The sign-in was cancelled.')),
        paste: (callbackUrl) => server.paste(callbackUrl),
      },
    };
  }

  /** The one callback with our state: check it, exchange the code, save, describe the account. */
  private async complete(
    callbackUrl: URL,
    client: SignInClient,
    state: string,
    verifier: string,
  ): Promise<CallbackAnswer<Account>> {
    let tokens: TokenSet;
    try {
      tokens = await client.exchange(callbackUrl, { state, verifier });
    } catch (error) {
      if (error instanceof OAuthRejection && error.error === 'access_denied') {
        this.log.info('Sign-in to Hostsmith was declined in the browser.');
        return failure(
          403,
          renderPage('denied'),
          new AuthError(
            'ACCESS_DENIED',
            'Sign-in to Hostsmith was declined: the app was not allowed to use the account.',
          ),
        );
      }
      if (error instanceof OAuthRejection && error.error === 'invalid_grant') {
        return failure(
          410,
          renderPage('expired'),
          new AuthError(
            'SIGN_IN_FAILED',
            'The sign-in code expired or was already used; start the sign-in again.',
            {
              cause: error,
            },
          ),
        );
      }
      if (error instanceof OAuthRejection && CLIENT_REJECTED.has(error.error) && client.dynamic) {
        await this.oauth.forgetClient(client.issuer).catch(() => {});
        return failure(
          400,
          renderPage('failed', { message: 'The sign-in server no longer recognises this app. Start again.' }),
          new AuthError(
            'SIGN_IN_FAILED',
            "The sign-in server no longer recognises this app's registration; the next sign-in registers it again.",
            { cause: error },
          ),
        );
      }
      // openid-client's own words are generic ("invalid response encountered"); its cause
      // names the check that failed (say, a missing or foreign `iss`).
      const cause = error instanceof Error ? error.cause : undefined;
      const detail = cause instanceof Error ? `${message(error)}: ${cause.message}` : message(error);
      return failure(
        400,
        renderPage('failed', { message: `The sign-in could not be completed (${detail}).` }),
        new AuthError('SIGN_IN_FAILED', `Sign-in to Hostsmith failed: ${detail}. Start the sign-in again.`, {
          cause: error,
        }),
      );
    }

    let account: Account | undefined;
    let accountError: unknown;
    try {
      account = await this.opts.describeAccount(tokens.accessToken);
    } catch (error) {
      accountError = error;
    }
    const issuedAt = Math.floor(this.nowSeconds());
    const cred: LoadedCredential = {
      issuer: client.issuer,
      client_id: client.clientId,
      client_registered_dynamically: client.dynamic,
      ...(account ? { account } : {}),
      scope: tokens.scope ?? client.scope,
      issued_at: issuedAt,
      expires_at: issuedAt + (tokens.expiresIn ?? DEFAULT_TOKEN_LIFETIME),
      authorized_at: issuedAt,
      storage: this.store.storage,
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken ?? '',
    };
    try {
      // Under the lock: a refresh of an older grant in another process must not interleave.
      await this.store.withLock(() => this.store.write(this.resource, cred));
    } catch (error) {
      // Tokens kept nowhere must not stay alive: take the grant back (RFC 7009).
      const { warning } = await revokeGrant(
        this.oauth,
        { issuer: client.issuer, clientId: client.clientId },
        cred,
      );
      const after = warning ?? 'The new sign-in was revoked at Hostsmith, so nothing is left active.';
      return failure(
        500,
        renderPage('failed', {
          message: warning
            ? 'Signed in, but the credentials could not be saved on this computer.'
            : 'Signed in, but the credentials could not be saved on this computer, so the sign-in was revoked.',
        }),
        new AuthError(
          'SIGN_IN_FAILED',
          `Signed in, but could not save the credentials (${message(error)}). ${after}`,
          {
            cause: error,
          },
        ),
      );
    }
    this.current = cred;
    this.forced.clear();
    if (!account) {
      return failure(
        200,
        renderPage('success'),
        new AuthError(
          'SIGN_IN_FAILED',
          `Signed in, but reading the Hostsmith account failed: ${message(accountError)}`,
          {
            cause: accountError,
          },
        ),
      );
    }
    this.log.info(`Signed in to Hostsmith as ${account.email}; credentials saved in ${this.store.file}`);
    return {
      status: 200,
      page: renderPage('success', { email: account.email }),
      outcome: { ok: true, value: account },
    };
  }

  /** Another process owns the sign-in: watch the store for its credential instead of opening a tab. */
  private join(pending: PendingSignIn): SignIn {
    let stopped = false;
    let misses = 0;
    let timer: NodeJS.Timeout | undefined;
    let rejectDone!: (error: unknown) => void;
    const ours = (cred: LoadedCredential | undefined): cred is LoadedCredential =>
      cred !== undefined && cred.authorized_at >= pending.started_at && Boolean(cred.access_token);

    const done = new Promise<Account>((resolve, reject) => {
      rejectDone = reject;
      const finish = async (cred: LoadedCredential) => {
        addSecret(cred.access_token);
        addSecret(cred.refresh_token);
        this.current = cred;
        this.forced.clear();
        if (cred.account) return resolve(cred.account);
        try {
          resolve(await this.opts.describeAccount(cred.access_token));
        } catch (error) {
          reject(
            new AuthError(
              'SIGN_IN_FAILED',
              `Signed in, but reading the Hostsmith account failed: ${message(error)}`,
              {
                cause: error,
              },
            ),
          );
        }
      };
      const tick = async () => {
        if (stopped) return;
        try {
          const cred = await this.store.read(this.resource);
          if (ours(cred)) return await finish(cred);
          const marker = await this.store.readPendingSignIn(this.resource);
          if (!marker || marker.url !== pending.url) {
            // The owner writes its credential before clearing the marker: one last look.
            const last = await this.store.read(this.resource);
            if (ours(last)) return await finish(last);
            return reject(
              new AuthError(
                'SIGN_IN_FAILED',
                'The sign-in opened by another Hostsmith MCP process ended without signing in (declined, expired or cancelled). Try again to start a new one.',
              ),
            );
          }
          if (marker.expires_at <= this.nowSeconds()) {
            return reject(
              new AuthError(
                'SIGN_IN_TIMEOUT',
                'Nobody finished the sign-in in time; try again to start a new one.',
              ),
            );
          }
          // A missed probe may be a busy machine; a vanished PID is certain.
          misses = (await this.isLive(marker)) ? 0 : misses + 1;
          if (misses >= OWNER_MISSES || (misses > 0 && !pidAlive(marker.pid))) {
            return reject(
              new AuthError(
                'SIGN_IN_FAILED',
                'The process that opened the sign-in has exited or stopped answering; try again to start a new one.',
              ),
            );
          }
        } catch (error) {
          // A store read can race a write; the next tick looks again.
          this.log.debug(`watching the sign-in: ${message(error)}`);
        }
        if (!stopped) timer = setTimeout(() => void tick(), this.pollMs);
      };
      void tick();
    }).finally(() => {
      stopped = true;
      clearTimeout(timer);
    });
    done.catch(() => {});
    this.log.info(`Waiting for the sign-in already open in another process: ${pending.url}`);
    return {
      url: pending.url,
      joined: true,
      done,
      cancel: (reason) => {
        stopped = true;
        clearTimeout(timer);
        rejectDone(new AuthError('SIGN_IN_CANCELLED', reason ?? 'Stopped waiting for the sign-in.'));
      },
    };
  }

  // ---- the rest -----------------------------------------------------------------------------

  async signOut(): Promise<SignOutResult> {
    this.signIn?.cancel('signed out');
    const result = await signOut({ store: this.store, oauth: this.oauth, log: this.log });
    this.current = undefined;
    this.forced.clear();
    return result;
  }

  async close(): Promise<void> {
    const signIn = this.signIn;
    signIn?.cancel('the server is shutting down');
    // Settled means the marker is cleared: another process must not wait on a sign-in gone with us.
    await signIn?.done.catch(() => {});
    await this.http?.close();
  }
}
