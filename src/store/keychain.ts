// The OS keychain, for the token pair only. Every call is bounded (3 s): a locked or hung
// keychain becomes "unavailable", never a hang. After one timeout this process stops calling
// it for good: a hung native call keeps a worker thread busy until the system gives up, and a
// second one would cost another.
import * as z from 'zod/v4';

export const KEYCHAIN_SERVICE = 'hostsmith-mcp';
export const KEYCHAIN_TIMEOUT_MS = 3000;

export const TokenPairSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

export class KeychainUnavailable extends Error {
  readonly code = 'KEYCHAIN_UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeychainUnavailable';
  }
}

/** Where the token pair goes: one entry per client folder and API resource. */
export interface TokenVault {
  get(account: string): Promise<TokenPair | undefined>;
  set(account: string, tokens: TokenPair): Promise<void>;
  delete(account: string): Promise<void>;
}

export function keychainAccount(client: string, resource: string): string {
  return `${client}|${resource}`;
}

interface AsyncEntryLike {
  setPassword(password: string, signal?: AbortSignal): Promise<void>;
  getPassword(signal?: AbortSignal): Promise<string | null>;
  deletePassword(signal?: AbortSignal): Promise<boolean>;
}

let poisoned: string | undefined;
const NO_REPLY = /did not receive a reply|no ?reply|timed? ?out/i;

/** For tests that start a fresh keychain daemon in the same process. */
export function resetKeychainForTests(): void {
  poisoned = undefined;
}

async function bounded<T>(
  what: string,
  run: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  if (poisoned) throw new KeychainUnavailable(poisoned);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      poisoned = `keychain unavailable: the OS keychain did not answer within ${timeoutMs / 1000} s (it may be locked or hung); not using it again in this process`;
      controller.abort();
      reject(new KeychainUnavailable(poisoned));
    }, timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } catch (error) {
    if (error instanceof KeychainUnavailable) throw error;
    // The Secret Service client gives up on its own after ~2 s of D-Bus silence ("Did not receive
    // a reply"): that is the same hung keychain, so it poisons like our own timeout does.
    if (NO_REPLY.test((error as Error).message)) {
      poisoned = `keychain unavailable: the OS keychain did not answer (it may be locked or hung); not using it again in this process`;
      throw new KeychainUnavailable(poisoned, { cause: error });
    }
    throw new KeychainUnavailable(`the OS keychain failed to ${what}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

export function createKeychainVault(opts: { timeoutMs?: number } = {}): TokenVault {
  const timeoutMs = opts.timeoutMs ?? KEYCHAIN_TIMEOUT_MS;
  const entry = async (account: string): Promise<AsyncEntryLike> => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    // Pinned to the Secret Service: the kernel keyring fallback forgets everything on reboot.
    return new AsyncEntry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
  };
  return {
    get: (account) =>
      bounded(
        'read',
        async (signal) => {
          const secret = await (await entry(account)).getPassword(signal);
          if (secret === null) return undefined;
          const parsed = TokenPairSchema.safeParse(JSON.parse(secret));
          return parsed.success ? parsed.data : undefined;
        },
        timeoutMs,
      ),
    set: (account, tokens) =>
      bounded(
        'write',
        async (signal) => (await entry(account)).setPassword(JSON.stringify(tokens), signal),
        timeoutMs,
      ),
    delete: (account) =>
      bounded(
        'delete',
        async (signal) => {
          await (await entry(account)).deletePassword(signal);
        },
        timeoutMs,
      ),
  };
}

/** Write, read back and delete a probe entry: does a usable keychain answer here? */
export async function probeKeychain(
  vault: TokenVault,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const account = `probe|${process.pid}|${Date.now()}`;
  const pair = { access_token: 'probe-access', refresh_token: 'probe-refresh' };
  try {
    await vault.set(account, pair);
    const back = await vault.get(account);
    await vault.delete(account);
    if (back?.access_token !== pair.access_token)
      return { ok: false, reason: 'the keychain did not return what was written' };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
