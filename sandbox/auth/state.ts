// What the authorization server keeps in its slot of the --data file: its own keys (so cookies
// and sessions stay valid), every oidc-provider record, and the test window's counters.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod/v4';

const Record_ = z.object({
  payload: z.record(z.string(), z.unknown()),
  expiresAt: z.number().nullable(),
});

export const AuthState = z.object({
  version: z.literal(1),
  keys: z.object({
    cookies: z.array(z.string()).min(1),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }),
  }),
  records: z.record(z.string(), Record_),
  refreshCounts: z.record(z.string(), z.number()),
  secrets: z.object({
    accessTokens: z.array(z.string()),
    refreshTokens: z.array(z.string()),
    authorizationCodes: z.array(z.string()),
    codeVerifiers: z.array(z.string()),
  }),
});
export type AuthState = z.infer<typeof AuthState>;
export type ServerKeys = AuthState['keys'];

export function generateKeys(): ServerKeys {
  // EC P-256: instant to generate (RSA would cost start-up time); ID tokens are signed ES256.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
  return { cookies: [randomBytes(32).toString('base64url')], jwks: { keys: [jwk] } };
}

/** The saved state, or undefined when there is none; a slot that is not ours is an error. */
export function parseState(saved: unknown): AuthState | undefined {
  if (saved === undefined || saved === null) return undefined;
  const parsed = AuthState.safeParse(saved);
  if (!parsed.success) {
    throw new Error(`the data file's "auth" state is not readable: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
