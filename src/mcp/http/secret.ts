// The local HTTP endpoint's secret: 32 random bytes, base64url. A new one per launch, or one kept
// in a file the person names (--http-secret-file) so that a host's config keeps working across
// launches. The file is the person's: created 0600 if missing, refused if others can read it.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import type { Platform } from '../../shell-quote.js';

export const SECRET_BYTES = 32;
/** 32 bytes in base64url, no padding: 43 characters. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43,}$/;

export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

export class SecretFileError extends Error {
  override name = 'SecretFileError';
}

/**
 * The secret kept in `path`: read it, or create the file with a new one if there is none.
 * `platform` decides whether file modes mean anything (not on Windows).
 */
export async function secretFromFile(path: string, platform: Platform): Promise<string> {
  const secret = newSecret();
  try {
    // wx: never overwrite a file someone else created between our look and our write.
    await fs.writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SecretFileError(
        `Cannot create the HTTP secret file ${path}: ${(error as Error).message}. Check that its folder exists and is yours.`,
      );
    }
  }
  const handle = await fs.open(path, constants.O_RDONLY).catch((error: Error) => {
    throw new SecretFileError(`Cannot read the HTTP secret file ${path}: ${error.message}.`);
  });
  try {
    const stat = await handle.stat();
    if (platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new SecretFileError(
        `The HTTP secret file ${path} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}). Run: chmod 600 ${path}`,
      );
    }
    const text = (await handle.readFile('utf8')).trim();
    if (!SECRET_SHAPE.test(text)) {
      throw new SecretFileError(
        `The HTTP secret file ${path} does not hold a secret (at least 43 characters of A-Z, a-z, 0-9, - and _). Delete it and a new one is made on the next start.`,
      );
    }
    return text;
  } finally {
    await handle.close();
  }
}
