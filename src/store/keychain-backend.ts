// The seam below the token vault: the three keychain calls, in bytes. The product's one backend
// runs them in the helper process (keychain-helper.ts); tests hand in others — one that enforces
// Windows Credential Manager's size limit, say — to exercise the vault's rules on any OS.
import { KeychainCallError, KeychainHelper } from './keychain-helper.js';

export { KeychainCallError };

export interface KeychainBackend {
  /** The entry's secret as stored; undefined when there is no entry. */
  getSecret(service: string, account: string): Promise<Uint8Array | undefined>;
  setSecret(service: string, account: string, secret: Uint8Array): Promise<void>;
  /** true when an entry was deleted. */
  delete(service: string, account: string): Promise<boolean>;
  /**
   * Cut off a call that hangs (the helper process is killed; the next call starts another).
   * Failures are KeychainCallError: 'timeout', 'start' (the helper did not start in time),
   * 'failed' (the keychain said no), 'helper'.
   */
  reset(): void;
}

export interface HelperBackendOptions {
  /** Each call's bound, once the helper has started (its start has its own: HELPER_START_MS). */
  timeoutMs: number;
  startTimeoutMs?: number;
  /** The helper program; tests hand in one that answers slowly. */
  source?: string;
}

/** The keychain through the helper process, started on first use. */
export function helperBackend(opts: HelperBackendOptions): KeychainBackend {
  let helper: KeychainHelper | undefined;
  const call = (request: Parameters<KeychainHelper['call']>[0]) => {
    helper ??= new KeychainHelper(opts);
    return helper.call(request);
  };
  return {
    async getSecret(service, account) {
      const value = await call({ op: 'getSecret', service, account });
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : undefined;
    },
    async setSecret(service, account, secret) {
      await call({ op: 'setSecret', service, account, secret: Buffer.from(secret).toString('base64') });
    },
    async delete(service, account) {
      return (await call({ op: 'delete', service, account })) === true;
    },
    reset() {
      helper?.stop();
      helper = undefined;
    },
  };
}
