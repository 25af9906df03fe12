// The OS keychain, for the token pair only, stored as UTF-8 JSON bytes. Every call is bounded (by
// platform: keychain-platform.ts): a locked or hung keychain becomes "keychain unavailable", never
// a hang. Where a hang means a dead keychain (Linux, Windows), this process stops calling it after
// one timeout: the hung call is cut off by killing the helper that runs it, and another call would
// only hang again. On macOS a slow call is a person reading a dialog: it gets time, the waiting is
// reported (onWait), and a timeout costs only that call.
import { helperBackend, type KeychainBackend, KeychainCallError } from './keychain-backend.js';
import { keychainPolicy, keychainWaitMessage } from './keychain-platform.js';
import { decodeTokenPair, encodeTokenPair, isSizeRefusal, type TokenPair } from './keychain-secret.js';

export { type TokenPair, TokenPairSchema } from './keychain-secret.js';

export const KEYCHAIN_SERVICE = 'hostsmith-mcp';
/** After the first notice, how often a waiting call says it is still waiting. */
const NOTICE_EVERY_MS = 5000;

export class KeychainUnavailable extends Error {
  readonly code = 'KEYCHAIN_UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeychainUnavailable';
  }
}

/** The keychain works but refused this secret for its size (Windows: 2,560 bytes an entry). */
export class KeychainTooLarge extends Error {
  readonly code = 'KEYCHAIN_TOO_LARGE' as const;
  constructor(
    message: string,
    readonly bytes: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeychainTooLarge';
  }
}

/** Where the token pair goes: one entry per client folder and API resource. */
export interface TokenVault {
  get(account: string): Promise<TokenPair | undefined>;
  set(account: string, tokens: TokenPair): Promise<void>;
  delete(account: string): Promise<void>;
}

export { keychainAccount } from './keychain-account.js';

/** Whether calls still go to a keychain: set once it has been written off for this process. */
interface Gate {
  poisoned: string | undefined;
}

/** The process's own keychain: one helper and one verdict for the whole process. */
let processBackend: KeychainBackend | undefined;
const processGate: Gate = { poisoned: undefined };
/** "Did not receive a reply": the Secret Service client's own D-Bus timeout (~2 s) — a hang too. */
const NO_REPLY = /did not receive a reply|no ?reply|timed? ?out/i;

/** For tests that start a fresh keychain daemon in the same process. */
export function resetKeychainForTests(): void {
  processBackend?.reset();
  processBackend = undefined;
  processGate.poisoned = undefined;
}

/** Why this process stopped calling the keychain, if it did. */
export function keychainPoisoned(): string | undefined {
  return processGate.poisoned;
}

export interface KeychainVaultOptions {
  /** The platform whose rules apply (process.platform). */
  platform?: NodeJS.Platform;
  /** The keychain calls (the helper process, shared by the whole process, by default). */
  backend?: KeychainBackend;
  /** The bound on one call once the helper has started (the platform's by default). */
  timeoutMs?: number;
  /** Told, now and then, while a call waits where a dialog may be asking the person (macOS). */
  onWait?: (message: string) => void;
}

export function createKeychainVault(opts: KeychainVaultOptions = {}): TokenVault {
  const platform = opts.platform ?? process.platform;
  const policy = keychainPolicy(platform);
  const timeoutMs = opts.timeoutMs ?? policy.timeoutMs;
  const gate = opts.backend ? { poisoned: undefined } : processGate;
  if (!opts.backend) processBackend ??= helperBackend({ timeoutMs });
  const backend = opts.backend ?? (processBackend as KeychainBackend);
  const service = KEYCHAIN_SERVICE;

  const poison = (reason: string): KeychainUnavailable => {
    gate.poisoned = `keychain unavailable: ${reason}; not using it again in this process`;
    // A call that hangs in native code cannot be cancelled: kill the helper that runs it.
    backend.reset();
    return new KeychainUnavailable(gate.poisoned);
  };

  const fail = (op: string, error: KeychainCallError, size: number | undefined): Error => {
    if (error.kind === 'start') {
      // Not the keychain: a machine too busy to start a node process in time. Written off alike
      // where a timeout is (another start would wait as long again); elsewhere, try again.
      const why = `${error.message} (this machine may be very busy)`;
      if (policy.giveUpAfterTimeout) return poison(why);
      backend.reset();
      return new KeychainUnavailable(`keychain unavailable: ${why}; try again`);
    }
    if (error.kind === 'timeout') {
      const why = `${policy.name} did not answer within ${timeoutMs / 1000} s`;
      if (policy.giveUpAfterTimeout) return poison(`${why} (it may be locked or hung)`);
      backend.reset(); // the next call starts a fresh helper; the keychain is not written off
      return new KeychainUnavailable(
        `keychain unavailable: ${why} (a dialog may have gone unanswered, or the keychain is locked); try again`,
      );
    }
    if (error.kind === 'helper') return poison(`the OS keychain cannot be reached (${error.message})`);
    if (size !== undefined && isSizeRefusal(error.message)) {
      const limit = policy.limitBytes ? ` (at most ${policy.limitBytes} bytes per entry)` : '';
      return new KeychainTooLarge(
        `the token pair (${size} bytes) is too large for ${policy.name}${limit}`,
        size,
        { cause: error },
      );
    }
    if (policy.giveUpAfterTimeout && NO_REPLY.test(error.message)) {
      return poison('the OS keychain did not answer (it may be locked or hung)');
    }
    return new KeychainUnavailable(
      `keychain unavailable: the OS keychain failed to ${op}: ${error.message}`,
      {
        cause: error,
      },
    );
  };

  const call = async <T>(op: string, fn: () => Promise<T>, size?: number): Promise<T> => {
    if (gate.poisoned) throw new KeychainUnavailable(gate.poisoned);
    const started = performance.now();
    let notice: NodeJS.Timeout | undefined;
    const { onWait } = opts;
    if (onWait && policy.noticeAfterMs !== undefined) {
      const tell = () => {
        onWait(keychainWaitMessage(platform, performance.now() - started));
        notice = setTimeout(tell, NOTICE_EVERY_MS);
      };
      notice = setTimeout(tell, policy.noticeAfterMs);
    }
    try {
      return await fn();
    } catch (error) {
      throw error instanceof KeychainCallError ? fail(op, error, size) : error;
    } finally {
      clearTimeout(notice);
    }
  };

  return {
    async get(account) {
      const secret = await call('read', () => backend.getSecret(service, account));
      return secret ? decodeTokenPair(secret, platform) : undefined;
    },
    async set(account, tokens) {
      const secret = encodeTokenPair(tokens);
      await call('write', () => backend.setSecret(service, account, secret), secret.length);
    },
    async delete(account) {
      await call('delete', () => backend.delete(service, account));
    },
  };
}
