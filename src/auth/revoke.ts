// Ending a grant at the authorization server (RFC 7009): the refresh token, which ends the grant,
// then the access token. Used to sign out, and to take back a sign-in whose tokens could not be
// stored (nothing may be left alive that no file or keychain knows about).
import type { GrantRef, OAuthClient } from './oauth.js';

export interface Revocation {
  /** The server confirmed the revocation of the refresh token. */
  revoked: boolean;
  /** Why the grant may still be alive at the server (shown to the person). */
  warning?: string;
}

export async function revokeGrant(
  oauth: OAuthClient,
  grant: GrantRef,
  tokens: { access_token: string; refresh_token?: string },
): Promise<Revocation> {
  let refreshRevoked = false;
  let accessRevoked = false;
  let failure: unknown;
  if (tokens.refresh_token) {
    try {
      refreshRevoked = await oauth.revoke(grant, tokens.refresh_token, 'refresh_token');
    } catch (error) {
      failure = error;
    }
  }
  try {
    accessRevoked = await oauth.revoke(grant, tokens.access_token, 'access_token');
  } catch (error) {
    failure ??= error;
  }
  // The grant ends with its refresh token; an access token the server will not revoke (a JWT:
  // unsupported_token_type, RFC 7009 §2.2.1) dies with the grant.
  if (refreshRevoked) return { revoked: true };
  if (failure !== undefined) {
    return {
      revoked: false,
      warning: `Could not revoke the sign-in at the server (${failure instanceof Error ? failure.message : String(failure)}); you can revoke it from your Hostsmith account page.`,
    };
  }
  if (accessRevoked) return { revoked: false };
  return {
    revoked: false,
    warning:
      'The sign-in server offers no way to revoke tokens; the grant ends when it expires, or from your Hostsmith account page.',
  };
}
