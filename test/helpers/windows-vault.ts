// A keychain backend that keeps Windows Credential Manager's rule: at most 2,560 bytes in one
// entry's blob. The new way (setSecret) counts the bytes given; the old way (setPassword, which
// the product used before) stored the text as UTF-16LE, so it counted Buffer.byteLength(s,
// 'utf16le'). Refusals carry keyring's own words ("… is longer than platform limit …").
import { type KeychainBackend, KeychainCallError } from '../../src/store/keychain-backend.js';

export const WINDOWS_LIMIT = 2560;

export interface WindowsBackend extends KeychainBackend {
  /** Entries by `service|account`, as the blobs Windows would hold. */
  entries: Map<string, Uint8Array>;
  /** Every call, as `op account`. */
  calls: string[];
  /** The size of every blob offered (setSecret and setPassword), refused or not. */
  offered: number[];
  /** The old way, as @napi-rs/keyring's setPassword did it on Windows. */
  setPassword(service: string, account: string, password: string): Promise<void>;
}

export function windowsBackend(limit = WINDOWS_LIMIT): WindowsBackend {
  const entries = new Map<string, Uint8Array>();
  const calls: string[] = [];
  const offered: number[] = [];
  const key = (service: string, account: string) => `${service}|${account}`;
  return {
    entries,
    calls,
    offered,
    async getSecret(service, account) {
      calls.push(`getSecret ${account}`);
      return entries.get(key(service, account));
    },
    async setSecret(service, account, secret) {
      calls.push(`setSecret ${account}`);
      offered.push(secret.length);
      if (secret.length > limit) {
        throw new KeychainCallError(
          'failed',
          `Attribute 'secret' is longer than platform limit of ${limit} chars`,
        );
      }
      entries.set(key(service, account), new Uint8Array(secret));
    },
    async setPassword(service, account, password) {
      calls.push(`setPassword ${account}`);
      offered.push(Buffer.byteLength(password, 'utf16le'));
      if (Buffer.byteLength(password, 'utf16le') > limit) {
        throw new KeychainCallError(
          'failed',
          `Attribute 'password encoded as UTF-16' is longer than platform limit of ${limit} chars`,
        );
      }
      entries.set(key(service, account), new Uint8Array(Buffer.from(password, 'utf16le')));
    },
    async delete(service, account) {
      calls.push(`delete ${account}`);
      return entries.delete(key(service, account));
    },
    reset() {},
  };
}

/** A token pair whose UTF-8 JSON is exactly `bytes` long (JWT-like characters). */
export function pairOfSize(bytes: number, tag = 'x'): { access_token: string; refresh_token: string } {
  const bare = JSON.stringify({ access_token: '', refresh_token: '' }).length;
  const refresh = `refresh-${tag}-${'r'.repeat(40)}`;
  const access = `eyJ${tag}.`.padEnd(bytes - bare - refresh.length, 'A');
  return { access_token: access, refresh_token: refresh };
}
