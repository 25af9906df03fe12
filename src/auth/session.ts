// The Session: access tokens for one API, refreshed with rotation safety, and sign-ins that are
// started or joined. A facade over its parts, each with one job:
//   tokens.ts          the token in use; single-flight refresh in this process; 401 handling
//   refresh.ts         one refresh under the cross-process lock: re-read, rotate, write
//   sign-in.ts         start or join a sign-in (marker, callback server, browser)
//   sign-in-complete.ts  the callback: code exchange, save, account
//   sign-in-join.ts    watching a sign-in another process owns
// It never opens a browser by itself: only beginSignIn() does.
import type { Logger } from '../log.js';
import type { CredentialStore } from '../store/types.js';
import type { BrowserResult } from './browser.js';
import { type CriticalSections, criticalSections, guardStore } from './critical.js';
import { type AuthHttp, createAuthHttp } from './http.js';
import { createOAuthClient, DEFAULT_SCOPES, type OAuthClient } from './oauth.js';
import { ScopeNeeds } from './scopes.js';
import { SIGN_IN_TIMEOUT_MS, type SignInParts } from './session-parts.js';
import { SignInCoordinator } from './sign-in.js';
import { type SignOutResult, signOut } from './sign-out.js';
import { TokenKeeper } from './tokens.js';
import type { Account, BeginSignInOptions, Session, SignIn } from './types.js';

export { REFRESH_WINDOW_SECONDS, SIGN_IN_TIMEOUT_MS } from './session-parts.js';

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
  /** Where store writes, held locks and code exchanges register for shutdown (the process's own). */
  critical?: CriticalSections;
}

export interface HostsmithSession extends Session {
  /** The API's canonical URL: resource indicator and store key. */
  readonly resource: string;
  /** Revoke the grant at the server (best effort) and forget the local credentials. */
  signOut(): Promise<SignOutResult>;
  requireScope(scope: string): Promise<void>;
  /**
   * Cancel a sign-in in flight (closing its callback server, clearing its marker) and release
   * HTTP connections; `abort` cuts requests still under way instead of waiting for them.
   */
  close(options?: { abort?: boolean }): Promise<void>;
}

export function createSession(opts: SessionOptions): HostsmithSession {
  return new SessionImpl(opts);
}

class SessionImpl implements HostsmithSession {
  readonly resource: string;
  private readonly oauth: OAuthClient;
  private readonly http: AuthHttp | undefined;
  private readonly tokens: TokenKeeper;
  private readonly signIns: SignInCoordinator;

  private readonly store: CredentialStore;
  private readonly needs: ScopeNeeds;

  constructor(private readonly opts: SessionOptions) {
    const sections = opts.critical ?? criticalSections;
    // Every write and every lock held (a refresh's token request runs inside one) is a critical
    // section: shutdown lets it finish rather than lose a rotated refresh token.
    this.store = guardStore(opts.store, sections);
    this.needs = new ScopeNeeds(opts.scopes ?? DEFAULT_SCOPES);
    if (opts.oauth) {
      this.oauth = opts.oauth;
      this.http = opts.http;
    } else {
      const http = opts.http ?? createAuthHttp();
      // Only close what we made.
      this.http = opts.http ? undefined : http;
      this.oauth = createOAuthClient({
        apiUrl: opts.apiUrl,
        store: this.store,
        http,
        log: opts.log,
        // What is needed, plus what the grant being replaced already had (step-up consent).
        scopes: async () => this.needs.forSignIn((await this.store.read(this.resource))?.scope),
        ...(opts.clientId ? { clientId: opts.clientId } : {}),
      });
    }
    this.resource = this.oauth.resource;
    const parts: SignInParts = {
      resource: this.resource,
      store: this.store,
      log: opts.log,
      oauth: this.oauth,
      now: opts.now ?? Date.now,
      needs: this.needs,
      describeAccount: (accessToken) => opts.describeAccount(accessToken),
      adopt: (cred) => this.tokens.adopt(cred),
    };
    this.tokens = new TokenKeeper(parts);
    this.signIns = new SignInCoordinator(parts, {
      openBrowser: (url) => opts.openBrowser(url),
      timeoutMs: opts.signInTimeoutMs ?? SIGN_IN_TIMEOUT_MS,
      pollMs: opts.pollMs ?? 300,
      startLink: opts.startLink !== false,
      critical: sections,
    });
  }

  accessToken(): Promise<string> {
    return this.tokens.accessToken();
  }

  afterUnauthorized(rejected: string): Promise<string> {
    return this.tokens.afterUnauthorized(rejected);
  }

  async account(): Promise<Account | undefined> {
    return (await this.store.read(this.resource))?.account;
  }

  async requireScope(scope: string): Promise<void> {
    this.needs.add(scope);
    for (const s of scope.split(' ').filter(Boolean)) await this.tokens.lacks(s);
  }

  beginSignIn(options: BeginSignInOptions = {}): Promise<SignIn> {
    return this.signIns.begin(options);
  }

  async signOut(): Promise<SignOutResult> {
    this.signIns.running?.cancel('signed out');
    const result = await signOut({ store: this.store, oauth: this.oauth, log: this.opts.log });
    this.tokens.reset();
    return result;
  }

  async close(options: { abort?: boolean } = {}): Promise<void> {
    const signIn = this.signIns.running;
    signIn?.cancel('the server is shutting down');
    if (options.abort) await this.http?.destroy();
    // Settled means the marker is cleared: another process must not wait on a sign-in gone with us.
    await signIn?.done.catch(() => {});
    await this.http?.close();
  }
}
