// The auth layer's public face for cli/ and mcp/ (hostsmith/ only needs the Session type).
export { type BrowserResult, createBrowserOpener, type OpenUrlOptions, openUrl } from './browser.js';
export { type AuthHttp, type AuthHttpOptions, createAuthHttp } from './http.js';
export { createOAuthClient, DEFAULT_SCOPES, type OAuthClient } from './oauth.js';
export {
  createSession,
  type HostsmithSession,
  REFRESH_WINDOW_SECONDS,
  type SessionOptions,
  SIGN_IN_TIMEOUT_MS,
} from './session.js';
export { type SignOutOptions, type SignOutResult, signOut } from './sign-out.js';
export * from './types.js';
export { canonicalResource } from './urls.js';
