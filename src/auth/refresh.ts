// One refresh of the grant, under the store's cross-process lock: re-read the store (another
// process may have rotated already), end a grant past its 90 days, ask for a new pair, and write
// the rotated pair before anyone uses the new access token. Single-flight within the process is
// tokens.ts's job; this is the part that must never be cut between the token answer and the write.
import { addSecret } from '../log.js';
import type { LoadedCredential } from '../store/types.js';
import { OAuthRejection, type TokenSet } from './oauth.js';
import {
  CLIENT_REJECTED,
  DEFAULT_TOKEN_LIFETIME,
  errorMessage,
  GRANT_ENDERS,
  REFRESH_WINDOW_SECONDS,
  type SessionParts,
} from './session-parts.js';
import { AuthError, SignInRequired } from './types.js';

export interface RefreshRequest {
  /** The credential the caller saw: a stored one that differs was rotated by someone else. */
  seen: LoadedCredential;
  /** The access token the API just refused (a forced refresh), if any. */
  rejected?: string | undefined;
  needsRefresh(cred: LoadedCredential): boolean;
  /** Told what this process should hold from now on (undefined: nothing, sign in again). */
  setCurrent(cred: LoadedCredential | undefined): void;
}

export async function refreshUnderLock(parts: SessionParts, req: RefreshRequest): Promise<LoadedCredential> {
  const { store, resource, oauth, log } = parts;
  const nowSeconds = () => parts.now() / 1000;
  try {
    return await store.withLock(async () => {
      const stored = await store.read(resource);
      if (!stored) {
        // Another process found the grant dead (or signed out) and cleared it.
        req.setCurrent(undefined);
        throw new SignInRequired('revoked');
      }
      addSecret(stored.access_token);
      addSecret(stored.refresh_token);
      // Another process rotated (or signed in again) since we read: its pair is the live one,
      // and presenting our used refresh token would revoke the whole grant.
      const changed =
        stored.refresh_token !== req.seen.refresh_token || stored.access_token !== req.seen.access_token;
      if (changed && stored.access_token !== req.rejected && !req.needsRefresh(stored)) {
        req.setCurrent(stored);
        return stored;
      }
      if (!stored.refresh_token || nowSeconds() >= stored.authorized_at + REFRESH_WINDOW_SECONDS) {
        await store.remove(resource);
        req.setCurrent(undefined);
        log.info('Your Hostsmith sign-in is older than 90 days; you will be asked to sign in again.');
        throw new SignInRequired('refresh_expired');
      }
      // The token's life counts from before we ask: the server starts its clock when it issues the
      // token, and a slow answer must not make us think it lives longer than it does (we would
      // then send it after it died, and take the 401 for a refused grant).
      const issuedAt = Math.floor(nowSeconds());
      let tokens: TokenSet;
      log.debug('refresh: asking for a new token pair');
      try {
        tokens = await oauth.refresh(
          { issuer: stored.issuer, clientId: stored.client_id },
          stored.refresh_token,
        );
      } catch (error) {
        if (error instanceof OAuthRejection && GRANT_ENDERS.has(error.error)) {
          if (CLIENT_REJECTED.has(error.error) && stored.client_registered_dynamically) {
            await oauth.forgetClient(stored.issuer);
          }
          await store.remove(resource);
          req.setCurrent(undefined);
          log.info(
            `Your Hostsmith sign-in is no longer valid (${error.error}); you will be asked to sign in again.`,
          );
          throw new SignInRequired('revoked');
        }
        throw new AuthError(
          'REFRESH_FAILED',
          `Could not renew the Hostsmith sign-in (${errorMessage(error)}); it is kept and will be retried.`,
          { cause: error },
        );
      }
      log.debug('refresh: got a new token pair; saving it');
      const next: LoadedCredential = {
        ...stored,
        access_token: tokens.accessToken,
        // A server that does not rotate keeps the refresh token it has.
        refresh_token: tokens.refreshToken ?? stored.refresh_token,
        scope: tokens.scope ?? stored.scope,
        issued_at: issuedAt,
        expires_at: issuedAt + (tokens.expiresIn ?? DEFAULT_TOKEN_LIFETIME),
        storage: store.storage,
      };
      // The rotated pair is on disk before anyone uses the new access token: the old refresh
      // token is spent, and another process must find the new one.
      req.setCurrent(next);
      try {
        await store.write(resource, next);
      } catch (error) {
        throw new AuthError(
          'REFRESH_FAILED',
          `Renewed the Hostsmith sign-in but could not save it to ${store.file} (${errorMessage(error)}).`,
          { cause: error },
        );
      }
      log.debug('renewed the access token');
      return next;
    });
  } catch (error) {
    if (error instanceof SignInRequired || error instanceof AuthError) throw error;
    throw new AuthError('REFRESH_FAILED', `Could not renew the Hostsmith sign-in (${errorMessage(error)}).`, {
      cause: error,
    });
  }
}
