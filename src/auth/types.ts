// The auth layer's contract with the layers above it (hostsmith/, mcp/, cli/).

export type Partition = 'us' | 'eu';

export interface Account {
  email: string;
  homePartition: Partition;
}

/** Thrown by Session.accessToken() when only a person can fix things: sign in again. */
export class SignInRequired extends Error {
  readonly code = 'SIGN_IN_REQUIRED' as const;
  constructor(
    readonly reason: 'no_credentials' | 'refresh_expired' | 'revoked' | 'unauthorized' | 'insufficient_scope',
  ) {
    super(`Sign-in to Hostsmith required (${reason.replace('_', ' ')})`);
    this.name = 'SignInRequired';
  }
}

export type AuthErrorCode =
  | 'DISCOVERY_FAILED' // metadata missing, malformed, or not HTTPS
  | 'REGISTRATION_FAILED'
  | 'ACCESS_DENIED' // the person clicked Deny
  | 'SIGN_IN_FAILED' // callback error, wrong iss, token exchange failed
  | 'SIGN_IN_TIMEOUT' // the callback server gave up (10 minutes)
  | 'SIGN_IN_CANCELLED'
  | 'REFRESH_FAILED' // a transient failure: network, 5xx; tokens kept
  | 'INSECURE_URL';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthError';
  }
}

export interface SignIn {
  /** The link to show the person (the authorization URL, or our own one-time start link). */
  readonly url: string;
  /** true when another process owns this sign-in and we are only watching the store. */
  readonly joined: boolean;
  /** Settles when the sign-in completes (or fails) — in this process or the one that owns it. */
  readonly done: Promise<Account>;
  /** Stop waiting and close the callback server (no-op for a joined sign-in). */
  cancel(reason?: string): void;
  /**
   * Finish with a callback URL the person pasted (login --no-browser, browser on another
   * machine): checked like the real callback. Absent on a sign-in joined from another process.
   */
  paste?(callbackUrl: string): Promise<{ ok: boolean; message: string }>;
}

export interface BeginSignInOptions {
  /**
   * false: do not launch a browser when this call starts a sign-in (the link is still printed on
   * stderr) — for a client that shows the link itself, e.g. through URL elicitation.
   */
  openBrowser?: boolean;
}

export interface Session {
  /** A valid access token, refreshed first when near expiry. Throws SignInRequired. */
  accessToken(): Promise<string>;
  /**
   * The API answered 401 to `rejected`: refresh once (unless another caller or process already
   * did) and return the new token. Throws SignInRequired when refresh cannot help.
   */
  afterUnauthorized(rejected: string): Promise<string>;
  /** Start a sign-in, or join the one already running in this process or another. */
  beginSignIn(options?: BeginSignInOptions): Promise<SignIn>;
  /** The signed-in account, from the store; undefined when signed out. No network. */
  account(): Promise<Account | undefined>;
  /**
   * The API refused a call for want of `scope`: from now on the grant must hold it, so the next
   * accessToken() asks for a step-up sign-in (SignInRequired 'insufficient_scope').
   */
  requireScope?(scope: string): Promise<void>;
}
