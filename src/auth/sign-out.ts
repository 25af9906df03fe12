// Signing out: revoke the grant at the authorization server (RFC 7009: the refresh token, which
// ends the grant, then the access token), then forget the local credentials whatever happened.
import type { Logger } from '../log.js';
import type { CredentialStore } from '../store/types.js';
import type { OAuthClient } from './oauth.js';
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

  let revoked = false;
  let warning: string | undefined;
  const grant = { issuer: cred.issuer, clientId: cred.client_id };
  try {
    if (cred.refresh_token) revoked = await opts.oauth.revoke(grant, cred.refresh_token, 'refresh_token');
    const accessRevoked = await opts.oauth.revoke(grant, cred.access_token, 'access_token');
    if (!revoked && !accessRevoked) {
      warning =
        'The sign-in server offers no way to revoke tokens; the grant ends when it expires, or from your Hostsmith account page.';
    }
  } catch (error) {
    warning = `Could not revoke the sign-in at the server (${error instanceof Error ? error.message : String(error)}); you can revoke it from your Hostsmith account page.`;
  }
  await opts.store.withLock(() => opts.store.remove(resource));
  if (warning) opts.log.warn(warning);
  return {
    signedOut: true,
    revoked,
    ...(cred.account ? { account: cred.account } : {}),
    ...(warning ? { warning } : {}),
  };
}
