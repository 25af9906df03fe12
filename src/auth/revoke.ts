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
  try {
    const refreshRevoked = tokens.refresh_token
      ? await oauth.revoke(grant, tokens.refresh_token, 'refresh_token')
      : false;
    const accessRevoked = await oauth.revoke(grant, tokens.access_token, 'access_token');
    if (refreshRevoked || accessRevoked) return { revoked: refreshRevoked };
    return {
      revoked: false,
      warning:
        'The sign-in server offers no way to revoke tokens; the grant ends when it expires, or from your Hostsmith account page.',
    };
  } catch (error) {
    return {
      revoked: false,
      warning: `Could not revoke the sign-in at the server (${error instanceof Error ? error.message : String(error)}); you can revoke it from your Hostsmith account page.`,
    };
  }
}
