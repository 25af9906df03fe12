// The seam between the sandbox's two halves: the authorization server (sandbox/auth/) and the
// REST API + sites (sandbox/api/). startSandbox() in sandbox/index.ts wires them together.
// Nothing here is imported by src/: the product and the sandbox meet only over HTTP.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Partition = 'us' | 'eu';
export const PARTITIONS: readonly Partition[] = ['us', 'eu'];

export const SCOPES = ['sites:read', 'sites:write', 'domains:read', 'files:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface SandboxUser {
  id: string; // usr_…
  email: string;
  name: string;
  homePartition: Partition;
}

/** What the API learns from a valid access token (opaque, or a JWT under accessTokenBytes). */
export interface TokenInfo {
  accountId: string; // SandboxUser.id
  clientId: string;
  grantId: string;
  scopes: ReadonlySet<string>;
  expiresAt: number; // Unix seconds
}

/** One slot of the --data file: each half keeps its own state under its own key. */
export interface PersistSlot {
  load(): unknown | undefined;
  /** Called whenever the half's state changed; the sandbox writes the file soon after. */
  save(state: unknown): void;
}

/** Everything the sandbox issued or received that must never show up in a client's output. */
export interface CurrentRefreshToken {
  grantId: string;
  clientId: string;
  refreshToken: string;
}

export interface IssuedSecrets {
  accessTokens: string[];
  refreshTokens: string[];
  authorizationCodes: string[];
  codeVerifiers: string[];
}

export interface AuthServerOptions {
  issuer: string; // http://127.0.0.1:{port}, or a public URL before a front (no trailing slash)
  /** Behind a TLS-terminating front: build URLs from its X-Forwarded-Proto (koa's proxy mode). */
  trustForwardedProto?: boolean;
  apiResource: string; // the API's resource URL, e.g. http://127.0.0.1:{port}
  users: readonly SandboxUser[];
  password: string; // the one sandbox password, shown on the sign-in page
  autoApprove: boolean;
  autoApproveUser: string; // email used by auto-approve
  accessTokenTtl: number; // seconds
  /** Issue JWT access tokens padded to exactly this many bytes; unset: opaque tokens. */
  accessTokenBytes?: number;
  persist?: PersistSlot;
}

export interface AuthServer {
  readonly issuer: string;
  /**
   * The request handler for the authorization server's own listener; settles when the request's
   * work is done (a token rotated and saved), even if the caller is gone by then.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** null when the token is unknown, expired, revoked, or not issued for this resource. */
  verifyAccessToken(token: string): Promise<TokenInfo | null>;
  /** Revoke a grant as a person would on their account page: every token of it stops working. */
  revokeGrant(grantId: string): Promise<boolean>;
  /** The grants that are alive, for the test window. */
  grants(): Promise<
    Array<{ grantId: string; accountId: string; clientId: string; scopes: string[]; refreshes: number }>
  >;
  /** Refreshes served per grant id (grants that were revoked are still counted). */
  refreshCounts(): Record<string, number>;
  /** Refused token requests, counted by `<grant_type> <error>: <detail>`. */
  tokenErrors(): Record<string, number>;
  /** Per live grant, the refresh token that is not yet spent: the one a client must hold now. */
  currentRefreshTokens(): CurrentRefreshToken[];
  secrets(): IssuedSecrets;
  setAccessTokenTtl(seconds: number): void;
  close(): Promise<void>;
}
