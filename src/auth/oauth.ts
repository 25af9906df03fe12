// The OAuth messages the Session needs, behind one small interface so that the Session's rules
// (single-flight, cross-process re-read, sign-in joining) can be unit-tested with a fake.
// The real implementation sends every message through openid-client.
import {
  AuthorizationResponseError,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  ResponseBodyError,
  refreshTokenGrant,
  tokenRevocation,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { addSecret, type Logger } from '../log.js';
import type { CredentialStore } from '../store/types.js';
import { type AuthorizationServer, clientConfiguration, discoverAuthorizationServer } from './discovery.js';
import type { AuthHttp } from './http.js';
import { resolveClient } from './registration.js';
import { canonicalResource } from './urls.js';

/** What a token endpoint handed back, secrets registered with the logger already. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Seconds, as the server said; undefined when it did not say. */
  expiresIn?: number;
  scope?: string;
}

/** The authorization server said no (an OAuth error code), as opposed to a transport failure. */
export class OAuthRejection extends Error {
  constructor(
    readonly error: string,
    readonly description?: string,
    readonly status?: number,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'OAuthRejection';
  }
}

/** The client a sign-in uses, with the two messages of the authorization code flow. */
export interface SignInClient {
  readonly issuer: string;
  readonly clientId: string;
  readonly dynamic: boolean;
  /** The space-separated scopes requested. */
  readonly scope: string;
  authorizationUrl(p: { redirectUri: string; state: string; codeChallenge: string }): string;
  /** Check the callback (state, iss, error) and exchange its code (PKCE, resource). */
  exchange(callbackUrl: URL, p: { state: string; verifier: string }): Promise<TokenSet>;
}

export interface GrantRef {
  issuer: string;
  clientId: string;
}

export interface OAuthClient {
  /** The API's canonical URL: resource indicator and store key. */
  readonly resource: string;
  /** Discovery (cached) and the client id (pre-registered, cached or newly registered). */
  prepareSignIn(): Promise<SignInClient>;
  refresh(grant: GrantRef, refreshToken: string): Promise<TokenSet>;
  /** RFC 7009; false when the server has no revocation endpoint. */
  revoke(grant: GrantRef, token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean>;
  /** The server no longer knows our dynamically registered client: the next sign-in registers again. */
  forgetClient(issuer: string): Promise<void>;
}

export const DEFAULT_SCOPES = ['sites:read', 'sites:write', 'domains:read', 'files:write'] as const;

/** Turn openid-client's protocol errors into OAuthRejection; leave transport errors alone. */
export function asRejection(error: unknown): unknown {
  if (error instanceof AuthorizationResponseError) {
    return new OAuthRejection(error.error, error.error_description);
  }
  // A 5xx with an OAuth body (server_error) is still transient: keep it a plain failure.
  if (error instanceof ResponseBodyError && error.status < 500) {
    return new OAuthRejection(error.error, error.error_description, error.status);
  }
  if (error instanceof WWWAuthenticateChallengeError && error.status < 500) {
    const code = error.cause.find((c) => c.parameters.error)?.parameters.error;
    return new OAuthRejection(code ?? 'invalid_client', undefined, error.status);
  }
  return error;
}

function tokenSet(response: {
  access_token: string;
  refresh_token?: string;
  scope?: string;
  expiresIn(): number | undefined;
}): TokenSet {
  addSecret(response.access_token);
  addSecret(response.refresh_token);
  return {
    accessToken: response.access_token,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    ...(response.expiresIn() !== undefined ? { expiresIn: response.expiresIn() } : {}),
    ...(response.scope ? { scope: response.scope } : {}),
  };
}

export interface OAuthClientOptions {
  apiUrl: string;
  store: CredentialStore;
  http: AuthHttp;
  log: Logger;
  clientId?: string;
  /** Fixed, or asked for at each sign-in (step-up consent asks for what the grant lacks). */
  scopes?: readonly string[] | (() => Promise<readonly string[]>);
}

export function createOAuthClient(opts: OAuthClientOptions): OAuthClient {
  let discovered: Promise<AuthorizationServer> | undefined;
  // Discovered once per process, at first need (never at start); a failure is retried next time.
  const server = () => {
    discovered ??= discoverAuthorizationServer({ apiUrl: opts.apiUrl, http: opts.http }).catch((error) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  };
  const given = opts.scopes ?? DEFAULT_SCOPES;
  const scopesNow = async () => (typeof given === 'function' ? await given() : given);

  // A grant belongs to the issuer that made it; if the API now names another, it cannot be used.
  const configFor = async (grant: GrantRef) => {
    const as = await server();
    if (as.issuer !== grant.issuer) {
      throw new OAuthRejection(
        'invalid_grant',
        `the API is now protected by ${as.issuer}, not ${grant.issuer}`,
      );
    }
    return { as, config: clientConfiguration(as, grant.clientId, opts.http) };
  };

  return {
    // No network: discovery later checks the same value against the API's RFC 9728 metadata.
    resource: canonicalResource(opts.apiUrl),

    async prepareSignIn() {
      const as = await server();
      const client = await resolveClient({
        as,
        store: opts.store,
        http: opts.http,
        log: opts.log,
        ...(opts.clientId ? { clientId: opts.clientId } : {}),
      });
      const config = clientConfiguration(as, client.clientId, opts.http);
      // offline_access only where the server lists it; OIDC Core §11 then wants prompt=consent.
      const offline = as.metadata.scopes_supported?.includes('offline_access') ?? false;
      const scope = [...(await scopesNow()), ...(offline ? ['offline_access'] : [])].join(' ');
      return {
        issuer: as.issuer,
        clientId: client.clientId,
        dynamic: client.dynamic,
        scope,
        authorizationUrl({ redirectUri, state, codeChallenge }) {
          return buildAuthorizationUrl(config, {
            redirect_uri: redirectUri,
            scope,
            code_challenge: codeChallenge,
            code_challenge_method: 'S256',
            state,
            resource: as.resource,
            ...(offline ? { prompt: 'consent' } : {}),
          }).href;
        },
        async exchange(callbackUrl, { state, verifier }) {
          addSecret(callbackUrl.searchParams.get('code'));
          try {
            const response = await authorizationCodeGrant(
              config,
              callbackUrl,
              { expectedState: state, pkceCodeVerifier: verifier },
              { resource: as.resource },
            );
            return tokenSet(response);
          } catch (error) {
            throw asRejection(error);
          }
        },
      };
    },

    async refresh(grant, refreshToken) {
      const { as, config } = await configFor(grant);
      try {
        return tokenSet(await refreshTokenGrant(config, refreshToken, { resource: as.resource }));
      } catch (error) {
        throw asRejection(error);
      }
    },

    async revoke(grant, token, hint) {
      const { as, config } = await configFor(grant);
      if (!as.metadata.revocation_endpoint) return false;
      try {
        await tokenRevocation(config, token, { token_type_hint: hint });
        return true;
      } catch (error) {
        throw asRejection(error);
      }
    },

    async forgetClient(issuer) {
      if (!opts.clientId) await opts.store.removeRegistration(issuer);
    },
  };
}
