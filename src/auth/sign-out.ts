// Signing out: revoke the grant at the authorization server (RFC 7009, revoke.ts), then forget
// the local credentials whatever happened.
import type { Logger } from '../log.js';
import type { CredentialStore } from '../store/types.js';
import type { OAuthClient } from './oauth.js';
import { revokeGrant } from './revoke.js';
import type { Account } from './types.js';

export interface SignOutOptions {
  store: CredentialStore;
  /** The OAuth messages for this API (createOAuthClient({ apiUrl, store, http, log })). */
  oauth: OAuthClient;
  log: Logger;
}

export interface SignOutResult {
  /** There were credentials for this API. */
  signedOut: boolean;
  account?: Account;
  /** The server confirmed the revocation of the refresh token. */
  revoked: boolean;
  /** Why the grant may still be alive at the server (shown to the person). */
  warning?: string;
}

export async function signOut(opts: SignOutOptions): Promise<SignOutResult> {
  const resource = opts.oauth.resource;
  const cred = await opts.store.read(resource);
  if (!cred) return { signedOut: false, revoked: false };

  const { revoked, warning } = await revokeGrant(
    opts.oauth,
    { issuer: cred.issuer, clientId: cred.client_id },
    cred,
  );
  await opts.store.withLock(() => opts.store.remove(resource));
  if (warning) opts.log.warn(warning);
  return {
    signedOut: true,
    revoked,
    ...(cred.account ? { account: cred.account } : {}),
    ...(warning ? { warning } : {}),
  };
}
