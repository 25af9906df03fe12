// The test window's memory: every secret the server issued or received, the refreshes it served
// per grant, and the token requests it refused. Tests scan their captured output for the
// secrets; none of it is ever printed.
import type { IssuedSecrets } from '../types.js';

export type SecretKind = keyof IssuedSecrets;

/** Real tokens are 43 characters and more (oidc-provider's opaque ids, JWTs). */
const MIN_RECEIVED_LENGTH = 20;

export class Ledger {
  readonly #secrets: Record<SecretKind, Set<string>> = {
    accessTokens: new Set(),
    refreshTokens: new Set(),
    authorizationCodes: new Set(),
    codeVerifiers: new Set(),
  };
  readonly #refreshes = new Map<string, number>();
  /** Refused token requests by grant type and error (in memory only: a test's own run). */
  readonly #tokenErrors = new Map<string, number>();
  readonly #onChange: () => void;

  constructor(onChange: () => void = () => {}) {
    this.#onChange = onChange;
  }

  load(saved: { secrets: IssuedSecrets; refreshCounts: Record<string, number> }): void {
    for (const kind of Object.keys(this.#secrets) as SecretKind[]) {
      for (const value of saved.secrets[kind]) this.#secrets[kind].add(value);
    }
    for (const [grantId, n] of Object.entries(saved.refreshCounts)) this.#refreshes.set(grantId, n);
  }

  /**
   * A credential someone presented (a bearer token, a refresh token to rotate or revoke), whoever
   * issued it: a token of another server that arrives here was sent to the wrong server. Values
   * too short to be a credential are left out, so a test's junk token never becomes a scan word.
   */
  received(kind: SecretKind, value: unknown): void {
    if (typeof value === 'string' && value.length >= MIN_RECEIVED_LENGTH) this.secret(kind, value);
  }

  secret(kind: SecretKind, value: unknown): void {
    if (typeof value !== 'string' || value === '' || this.#secrets[kind].has(value)) return;
    this.#secrets[kind].add(value);
    this.#onChange();
  }

  refreshed(grantId: string): void {
    this.#refreshes.set(grantId, (this.#refreshes.get(grantId) ?? 0) + 1);
    this.#onChange();
  }

  /** A token request refused, e.g. `refresh_token invalid_grant: refresh token already used`. */
  tokenError(key: string): void {
    this.#tokenErrors.set(key, (this.#tokenErrors.get(key) ?? 0) + 1);
  }

  tokenErrors(): Record<string, number> {
    return Object.fromEntries(this.#tokenErrors);
  }

  refreshCount(grantId: string): number {
    return this.#refreshes.get(grantId) ?? 0;
  }

  refreshCounts(): Record<string, number> {
    return Object.fromEntries(this.#refreshes);
  }

  secrets(): IssuedSecrets {
    return {
      accessTokens: [...this.#secrets.accessTokens],
      refreshTokens: [...this.#secrets.refreshTokens],
      authorizationCodes: [...this.#secrets.authorizationCodes],
      codeVerifiers: [...this.#secrets.codeVerifiers],
    };
  }
}
