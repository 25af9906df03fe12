// From the API URL to its authorization server: RFC 9728 protected-resource metadata names the
// issuer, then openid-client discovers the issuer's RFC 8414 metadata (OpenID discovery as the
// fallback). Every URL met on the way must be HTTPS, or http on a loopback host.
import {
  allowInsecureRequests,
  Configuration,
  customFetch,
  discovery,
  None,
  type ServerMetadata,
} from 'openid-client';
import * as z from 'zod/v4';
import { certificateProblem } from '../net/tls-problem.js';
import type { AuthHttp } from './http.js';
import { AuthError } from './types.js';
import { canonicalResource, isLoopbackHost, protectedResourceMetadataUrl, requireSecureUrl } from './urls.js';

export const ProtectedResourceMetadataSchema = z.looseObject({
  resource: z.string(),
  authorization_servers: z.array(z.string()).min(1),
  scopes_supported: z.array(z.string()).optional(),
  bearer_methods_supported: z.array(z.string()).optional(),
});
export type ProtectedResourceMetadata = z.infer<typeof ProtectedResourceMetadataSchema>;

export interface AuthorizationServer {
  /** The API's canonical URL: the resource indicator sent on every request, and the store key. */
  resource: string;
  issuer: string;
  /** RFC 8414 (or OpenID) metadata, every endpoint checked. */
  metadata: ServerMetadata;
  /** Which well-known document answered; registration repeats the same discovery. */
  algorithm: 'oauth2' | 'oidc';
  /** The issuer is plain http on loopback: openid-client must allow that, and only that. */
  insecure: boolean;
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'registration_endpoint',
] as const;

function describe(error: unknown, url: URL): string {
  if (!(error instanceof Error)) return String(error);
  const certificate = certificateProblem(error, url);
  if (certificate) return certificate;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/** RFC 9728: which authorization server protects this API. */
export async function fetchProtectedResourceMetadata(
  resource: string,
  http: AuthHttp,
): Promise<ProtectedResourceMetadata> {
  const url = protectedResourceMetadataUrl(resource);
  let answer: Awaited<ReturnType<AuthHttp['getJson']>>;
  try {
    answer = await http.getJson(url);
  } catch (cause) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      certificateProblem(cause, url) ??
        `Could not reach the Hostsmith API at ${resource} (${describe(cause, url)}). Check your network, or the API URL (--api-url / HOSTSMITH_API_URL).`,
      { cause },
    );
  }
  if (answer.status !== 200) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      `${url.href} answered HTTP ${answer.status} instead of its sign-in metadata. Is ${resource} a Hostsmith API URL? (--api-url / HOSTSMITH_API_URL)`,
    );
  }
  const parsed = ProtectedResourceMetadataSchema.safeParse(answer.body);
  if (!parsed.success) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      `${url.href} did not return valid protected-resource metadata (RFC 9728): it needs "resource" and "authorization_servers".`,
    );
  }
  // RFC 9728 §3.3: metadata for another resource must not be used (it could send our tokens elsewhere).
  let named: string;
  try {
    named = canonicalResource(parsed.data.resource);
  } catch {
    named = parsed.data.resource;
  }
  if (named !== resource) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      `${url.href} describes the resource ${parsed.data.resource}, not ${resource}; refusing to sign in with it.`,
    );
  }
  return parsed.data;
}

/** The authorization server's metadata through openid-client: RFC 8414 first, then OpenID discovery. */
async function discoverIssuer(
  issuer: URL,
  insecure: boolean,
  http: AuthHttp,
): Promise<{ metadata: ServerMetadata; algorithm: 'oauth2' | 'oidc' }> {
  let first: unknown;
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    try {
      // The client id is not known yet (registration may need this metadata); only the metadata is kept.
      const config = await discovery(issuer, 'hostsmith-mcp-discovery', undefined, None(), {
        algorithm,
        [customFetch]: http.fetch,
        timeout: http.timeoutSeconds,
        execute: insecure ? [allowInsecureRequests] : [],
      });
      return { metadata: { ...config.serverMetadata() }, algorithm };
    } catch (error) {
      first ??= error;
    }
  }
  throw new AuthError(
    'DISCOVERY_FAILED',
    `Could not read the sign-in server's metadata at ${issuer.href} (${describe(first, issuer)}).`,
    { cause: first },
  );
}

export interface DiscoverOptions {
  apiUrl: string;
  http: AuthHttp;
}

export async function discoverAuthorizationServer(opts: DiscoverOptions): Promise<AuthorizationServer> {
  const resource = canonicalResource(opts.apiUrl);
  const prm = await fetchProtectedResourceMetadata(resource, opts.http);
  const issuerUrl = requireSecureUrl(prm.authorization_servers[0] as string, 'The sign-in server (issuer)');
  const insecure = issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname);
  const { metadata, algorithm } = await discoverIssuer(issuerUrl, insecure, opts.http);

  // allowInsecureRequests covers every endpoint of the configuration, so a loopback issuer
  // must not be able to point us at plain http elsewhere: check each endpoint ourselves.
  for (const name of ENDPOINTS) {
    const value = metadata[name];
    if (value !== undefined)
      requireSecureUrl(String(value), `The sign-in server's ${name.replace('_', ' ')}`);
  }
  if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      `The sign-in server ${metadata.issuer} does not publish an authorization and a token endpoint.`,
    );
  }
  const pkce = metadata.code_challenge_methods_supported;
  if (pkce && !pkce.includes('S256')) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      `The sign-in server ${metadata.issuer} does not support PKCE with S256.`,
    );
  }
  return { resource, issuer: metadata.issuer, metadata, algorithm, insecure };
}

/** An openid-client Configuration for one public client of this authorization server. */
export function clientConfiguration(
  as: AuthorizationServer,
  clientId: string,
  http: AuthHttp,
): Configuration {
  const config = new Configuration(as.metadata, clientId, { token_endpoint_auth_method: 'none' }, None());
  config[customFetch] = http.fetch;
  config.timeout = http.timeoutSeconds;
  if (as.insecure) allowInsecureRequests(config);
  return config;
}
