// JWT-format access tokens (--access-token-bytes N): ES256-signed by the provider's own key,
// carrying the grant id, and padded to exactly N bytes so a client's storage meets real-world
// token sizes. oidc-provider does not store JWT access tokens, so they are checked here by
// signature and claims; whether the grant is alive is the caller's check (sandbox/auth/index.ts).
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import * as z from 'zod/v4';

export const GRANT_ID_CLAIM = 'grant_id';
/** The claim (and, when needed, the header parameter) that carries the padding. */
export const PAD = 'pad';
const ALG = 'ES256';
const TYP = 'at+jwt';
/** An ES256 signature is 64 bytes: 86 base64url characters. */
const SIGNATURE_CHARS = 86;
/** Floor for N: the unpadded token takes about 650 bytes on the loopback (more under a longer issuer). */
export const MIN_ACCESS_TOKEN_BYTES = 1000;

/** The signing key oidc-provider is told to use, so the header written is known in advance. */
export interface SigningKey {
  kid: string;
  jwk: Record<string, unknown>;
}

export function signingKey(jwks: { keys: Array<Record<string, unknown>> }): SigningKey {
  const jwk = jwks.keys.find((k) => k.alg === ALG && k.use === 'sig' && typeof k.kid === 'string');
  if (!jwk) throw new Error(`the sandbox's keys hold no ${ALG} signing key`);
  return { kid: String(jwk.kid), jwk };
}

const b64Length = (bytes: number) => Math.ceil((bytes * 4) / 3);
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

interface StructuredToken {
  header?: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * oidc-provider's `formats.customizers.jwt`: adds the grant id, then pads to `bytes`.
 * A base64url length is never 1 more than a multiple of 4, so when the payload alone cannot
 * reach the target, a short `pad` header parameter shifts the header's length instead.
 */
export function padTo(bytes: number, key: SigningKey) {
  return async (_ctx: unknown, token: { grantId?: string }, jwt: StructuredToken): Promise<void> => {
    jwt.payload[GRANT_ID_CLAIM] = token.grantId;
    jwt.payload[PAD] = '';
    const bare = jsonBytes(jwt.payload);
    for (const headerPad of [undefined, '', 'x', 'xx']) {
      const extra = headerPad === undefined ? {} : { [PAD]: headerPad };
      // The protected header oidc-provider writes: alg, typ, kid, then ours (lib/helpers/jwt.js).
      const header = { alg: ALG, typ: TYP, kid: key.kid, ...extra };
      const payloadChars = bytes - b64Length(jsonBytes(header)) - SIGNATURE_CHARS - 2;
      if (payloadChars % 4 === 1) continue;
      const payloadBytes = Math.floor((payloadChars * 3) / 4);
      if (payloadBytes < bare) break;
      jwt.header = { ...jwt.header, ...extra };
      jwt.payload[PAD] = 'x'.repeat(payloadBytes - bare);
      return;
    }
    throw new Error(`an access token cannot be padded to ${bytes} bytes: its claims alone are larger`);
  };
}

const Claims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  sub: z.string(),
  client_id: z.string(),
  scope: z.string().optional(),
  [GRANT_ID_CLAIM]: z.string(),
});
export type JwtAccessClaims = z.infer<typeof Claims>;

const Header = z.object({ alg: z.literal(ALG), typ: z.literal(TYP), kid: z.string() });

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A verifier for our own JWT access tokens: the claims when signature and issuer hold, else null. */
export function jwtVerifier(key: SigningKey, issuer: string): (token: string) => JwtAccessClaims | null {
  // The public half only: verifying never needs the private key.
  const publicKey: KeyObject = createPublicKey({ key: key.jwk as JsonWebKey, format: 'jwk' });
  return (token) => {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [h = '', p = '', s = ''] = parts;
    const header = Header.safeParse(decodeJson(h));
    if (!header.success || header.data.kid !== key.kid) return null;
    const signature = Buffer.from(s, 'base64url');
    // Buffer.from drops what is not base64url; a signature must round-trip exactly.
    if (signature.toString('base64url') !== s) return null;
    const signed = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    );
    if (!signed) return null;
    const claims = Claims.safeParse(decodeJson(p));
    if (!claims.success || claims.data.iss !== issuer) return null;
    return claims.data;
  };
}
