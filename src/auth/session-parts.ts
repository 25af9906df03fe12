// What the Session's parts (tokens.ts, refresh.ts, sign-in*.ts) share: the collaborators they
// all use, the rules of a grant's life, and the one in-memory credential they hand between them.
import type { Logger } from '../log.js';
import type { CredentialStore, LoadedCredential } from '../store/types.js';
import type { OAuthClient } from './oauth.js';
import type { ScopeNeeds } from './scopes.js';
import type { Account } from './types.js';

/** The refresh token's life, counted from the original authorization. */
export const REFRESH_WINDOW_SECONDS = 90 * 24 * 3600;
/** The callback server gives up after this long. */
export const SIGN_IN_TIMEOUT_MS = 10 * 60 * 1000;
/** When the server does not say (the API documents one hour). */
export const DEFAULT_TOKEN_LIFETIME = 3600;
/** OAuth errors on refresh after which only a new sign-in helps. */
export const GRANT_ENDERS = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
]);
/** The client itself was refused: a dynamically registered one is registered again next time. */
export const CLIENT_REJECTED = new Set(['invalid_client', 'unauthorized_client']);

/** The collaborators of one Session, for one API resource. */
export interface SessionParts {
  readonly resource: string;
  readonly store: CredentialStore;
  readonly log: Logger;
  readonly oauth: OAuthClient;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** The scopes a usable grant must hold; absent = any grant will do. */
  readonly needs?: ScopeNeeds;
}

/** What a sign-in needs on top: who signed in, and where its credential goes in this process. */
export interface SignInParts extends SessionParts {
  /** Looks up the signed-in account (GET /v1/account) — injected so auth never imports hostsmith/. */
  describeAccount(accessToken: string): Promise<Account>;
  /** A sign-in (here or in another process) produced this credential: it is the one to use now. */
  adopt(cred: LoadedCredential): void;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
