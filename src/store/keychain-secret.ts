// What the keychain entry holds: the token pair as UTF-8 JSON bytes. Entries written before were
// text through setPassword, which Windows keeps as UTF-16LE; they still read.
import * as z from 'zod/v4';

export const TokenPairSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

export function encodeTokenPair(pair: TokenPair): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(pair), 'utf8'));
}

function parse(text: string): TokenPair | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = TokenPairSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Our pair, or undefined for an entry that is not (edited by hand, another tool: signed out). */
export function decodeTokenPair(bytes: Uint8Array, platform: NodeJS.Platform): TokenPair | undefined {
  const buffer = Buffer.from(bytes);
  const utf8 = parse(buffer.toString('utf8'));
  if (utf8 || platform !== 'win32' || buffer.length % 2 !== 0) return utf8;
  // Written the old way (setPassword): Windows stored the text as UTF-16LE.
  return parse(buffer.toString('utf16le'));
}

/** The keychain refused the secret for its size (keyring's TooLong: "… longer than platform limit …"). */
export function isSizeRefusal(message: string): boolean {
  return /longer than (the )?platform limit|too long|too large|exceeds .*(size|limit)/i.test(message);
}
