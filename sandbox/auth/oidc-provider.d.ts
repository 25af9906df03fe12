// The slice of oidc-provider 9 that the sandbox uses (the package ships no types and
// @types/oidc-provider is not installed). Only what sandbox/auth/ touches is declared.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    jti?: string;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    exp?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientLike {
    clientId: string;
    applicationType?: string;
    clientAuthMethod?: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface TokenLike {
    jti: string;
    kind: string;
    iat?: number;
    exp?: number;
    iiat?: number;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    scope?: string;
    aud?: string | string[];
    readonly scopes: Set<string>;
    readonly isExpired: boolean;
    readonly remainingTTL: number;
  }

  export interface KoaLikeContext {
    path: string;
    method: string;
    headers: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
    oidc?: {
      route?: string;
      params?: Record<string, unknown>;
      entities: Record<string, unknown>;
    };
  }

  export type Middleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

  export interface InteractionDetails {
    uid: string;
    returnTo: string;
    grantId?: string;
    prompt: {
      name: string;
      reasons: string[];
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    params: Record<string, unknown> & { client_id?: string; scope?: string };
    session?: { accountId: string; uid: string };
  }

  export interface InteractionResult {
    login?: { accountId: string; remember?: boolean };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export interface GrantInstance {
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface GrantModel {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  }

  export interface TokenModel {
    find(value: string, opts?: { ignoreExpiration?: boolean }): Promise<TokenLike | undefined>;
  }

  export interface ClientModel {
    find(id: string): Promise<(ClientLike & { clientName?: string }) | undefined>;
  }

  export interface Account {
    accountId: string;
    claims(): Promise<{ sub: string; [claim: string]: unknown }>;
  }

  export type Configuration = Record<string, unknown>;

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    readonly Grant: GrantModel;
    readonly AccessToken: TokenModel;
    readonly RefreshToken: TokenModel;
    readonly Client: ClientModel;
    /** koa's proxy mode: trust X-Forwarded-Proto / -Host for ctx.href. */
    proxy: boolean;
    /** koa's: the promise settles when the middleware chain is done. */
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: never[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      opts?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    SessionNotFound: new (description?: string) => Error;
  };

  export default Provider;
}
