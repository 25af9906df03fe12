// The one callback that carries our state: exchange the code, save the new grant under the lock,
// and describe the account. Each outcome is a page for the browser and a result for the caller.
import type { LoadedCredential } from '../store/types.js';
import { renderPage } from './callback-page.js';
import type { CallbackAnswer } from './callback-server.js';
import { OAuthRejection, type SignInClient, type TokenSet } from './oauth.js';
import { revokeGrant } from './revoke.js';
import { CLIENT_REJECTED, DEFAULT_TOKEN_LIFETIME, errorMessage, type SignInParts } from './session-parts.js';
import { type Account, AuthError } from './types.js';

export interface CallbackCheck {
  client: SignInClient;
  state: string;
  verifier: string;
}

function failure<T>(status: number, page: string, error: unknown): CallbackAnswer<T> {
  return { status, page, outcome: { ok: false, error } };
}

export async function completeSignIn(
  parts: SignInParts,
  callbackUrl: URL,
  { client, state, verifier }: CallbackCheck,
): Promise<CallbackAnswer<Account>> {
  const { store, resource, log } = parts;
  // The token's life counts from before the exchange (see refresh.ts): never past the server's.
  const issuedAt = Math.floor(parts.now() / 1000);
  let tokens: TokenSet;
  try {
    tokens = await client.exchange(callbackUrl, { state, verifier });
  } catch (error) {
    if (error instanceof OAuthRejection && error.error === 'access_denied') {
      log.info('Sign-in to Hostsmith was declined in the browser.');
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
      await parts.oauth.forgetClient(client.issuer).catch(() => {});
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
    const detail = cause instanceof Error ? `${errorMessage(error)}: ${cause.message}` : errorMessage(error);
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
    account = await parts.describeAccount(tokens.accessToken);
  } catch (error) {
    accountError = error;
  }
  const cred: LoadedCredential = {
    issuer: client.issuer,
    client_id: client.clientId,
    client_registered_dynamically: client.dynamic,
    ...(account ? { account } : {}),
    scope: tokens.scope ?? client.scope,
    issued_at: issuedAt,
    expires_at: issuedAt + (tokens.expiresIn ?? DEFAULT_TOKEN_LIFETIME),
    authorized_at: issuedAt,
    storage: store.storage,
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken ?? '',
  };
  let replaced: LoadedCredential | undefined;
  try {
    // Under the lock: a refresh of an older grant in another process must not interleave.
    await store.withLock(async () => {
      replaced = await store.read(resource).catch(() => undefined);
      await store.write(resource, cred);
    });
  } catch (error) {
    // Tokens kept nowhere must not stay alive: take the grant back (RFC 7009).
    const { warning } = await revokeGrant(
      parts.oauth,
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
        `Signed in, but could not save the credentials (${errorMessage(error)}). ${after}`,
        {
          cause: error,
        },
      ),
    );
  }
  parts.adopt(cred);
  // The new grant is stored: the one it replaces (a narrower one, after step-up) is taken back —
  // only when it belongs to another client, so surely another grant: an authorization server may
  // widen a client's existing grant instead, and revoking that would end the new tokens too.
  if (replaced && replaced.refresh_token !== cred.refresh_token && replaced.client_id !== cred.client_id) {
    const old = replaced;
    const { warning } = await revokeGrant(parts.oauth, { issuer: old.issuer, clientId: old.client_id }, old);
    if (warning) log.info(`The previous Hostsmith sign-in was replaced. ${warning}`);
  }
  if (!account) {
    return failure(
      200,
      renderPage('success'),
      new AuthError(
        'SIGN_IN_FAILED',
        `Signed in, but reading the Hostsmith account failed: ${errorMessage(accountError)}`,
        {
          cause: accountError,
        },
      ),
    );
  }
  log.info(`Signed in to Hostsmith as ${account.email}; credentials saved in ${store.file}`);
  return {
    status: 200,
    page: renderPage('success', { email: account.email }),
    outcome: { ok: true, value: account },
  };
}
