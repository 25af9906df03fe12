// URL rules for everything the auth layer talks to or shows: HTTPS, except loopback hosts
// (development and the sandbox), and one canonical spelling of the API's resource URL.
import { AuthError } from './types.js';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

/** True for 127.0.0.1, ::1 and localhost (URL.hostname spells IPv6 with brackets). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/** True when the URL is https:, or http: on a loopback host. */
export function isAllowedUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** Parse and check one URL; `what` names it in the error ("the token endpoint"). */
export function requireSecureUrl(value: string | URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new AuthError('DISCOVERY_FAILED', `${what} is not a valid URL: ${String(value)}`, { cause });
  }
  if (!isAllowedUrl(url)) {
    throw new AuthError(
      'INSECURE_URL',
      `${what} must use https:// (plain http:// is allowed only on 127.0.0.1, ::1 or localhost): ${url.href}`,
    );
  }
  return url;
}

/**
 * The API URL as the resource indicator (RFC 8707) and the key of its credentials: no trailing
 * slash on a bare origin, no query or fragment, so `https://api.hostsmith.net/` and
 * `https://api.hostsmith.net` are the same API.
 */
export function canonicalResource(apiUrl: string): string {
  const url = requireSecureUrl(apiUrl, 'The API URL');
  if (url.search || url.hash || url.username || url.password) {
    throw new AuthError(
      'DISCOVERY_FAILED',
      `The API URL must not carry a query, fragment or credentials: ${apiUrl}`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** RFC 9728 §3.1: the well-known segment goes between the host and any path of the resource. */
export function protectedResourceMetadataUrl(resource: string): URL {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return new URL(`${url.protocol}//${url.host}/.well-known/oauth-protected-resource${path}`);
}
