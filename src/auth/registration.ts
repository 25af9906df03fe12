// Which client id signs in: a pre-registered one (--client-id), or one registered dynamically
// (RFC 7591) as a public native client and cached in the store per issuer.
import {
  allowInsecureRequests,
  type ClientMetadata,
  customFetch,
  dynamicClientRegistration,
  None,
} from 'openid-client';
import type { Logger } from '../log.js';
import type { CredentialStore } from '../store/types.js';
import type { AuthorizationServer } from './discovery.js';
import type { AuthHttp } from './http.js';
import { AuthError } from './types.js';

/** Registered once; RFC 8252 §7.3 lets the port vary at each sign-in. */
export const REGISTERED_REDIRECT_URI = 'http://127.0.0.1/callback';

/** What we ask to be registered as: a public native client, code + refresh, loopback redirect. */
export function clientMetadata(): Partial<ClientMetadata> {
  return {
    client_name: 'Hostsmith MCP',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REGISTERED_REDIRECT_URI],
  };
}

export interface ClientChoice {
  clientId: string;
  /** true when registered by us, and so may be registered again. */
  dynamic: boolean;
}

export interface ResolveClientOptions {
  as: AuthorizationServer;
  store: CredentialStore;
  http: AuthHttp;
  log: Logger;
  /** A pre-registered client id: no registration at all. */
  clientId?: string;
}

export async function resolveClient(opts: ResolveClientOptions): Promise<ClientChoice> {
  if (opts.clientId) return { clientId: opts.clientId, dynamic: false };
  const cached = await opts.store.readRegistration(opts.as.issuer);
  if (cached) return { clientId: cached.client_id, dynamic: true };
  return { clientId: await register(opts), dynamic: true };
}

async function register(opts: ResolveClientOptions): Promise<string> {
  const { as } = opts;
  if (!as.metadata.registration_endpoint) {
    throw new AuthError(
      'REGISTRATION_FAILED',
      `The sign-in server ${as.issuer} does not offer dynamic client registration; pass a pre-registered client id with --client-id (HOSTSMITH_CLIENT_ID).`,
    );
  }
  let clientId: string;
  try {
    const config = await dynamicClientRegistration(new URL(as.issuer), clientMetadata(), None(), {
      algorithm: as.algorithm,
      [customFetch]: opts.http.fetch,
      timeout: opts.http.timeoutSeconds,
      execute: as.insecure ? [allowInsecureRequests] : [],
    });
    clientId = config.clientMetadata().client_id;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new AuthError(
      'REGISTRATION_FAILED',
      `Could not register this app with the sign-in server ${as.issuer} (${detail}). Try again, or pass a pre-registered client id with --client-id.`,
      { cause },
    );
  }
  await opts.store.writeRegistration(as.issuer, {
    client_id: clientId,
    registered_at: Math.floor(Date.now() / 1000),
    redirect_uris: [REGISTERED_REDIRECT_URI],
  });
  opts.log.debug(`registered client ${clientId} with ${as.issuer}`);
  return clientId;
}
