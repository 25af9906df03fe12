// The OS keychain, for the token pair only. Every call is bounded (3 s): a locked or hung
// keychain becomes "keychain unavailable", never a hang. After one timeout this process stops
// calling it for good: the hung call is cut off by killing the helper process that runs it, and
// another call would only hang again.
import * as z from 'zod/v4';
import { KeychainCallError, KeychainHelper, type KeychainOp } from './keychain-helper.js';

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

/** One helper process and one verdict for the whole process: after one hang, no more calls. */
let helper: KeychainHelper | undefined;
let poisoned: string | undefined;
/** "Did not receive a reply": the Secret Service client's own D-Bus timeout (~2 s) — a hang too. */
const NO_REPLY = /did not receive a reply|no ?reply|timed? ?out/i;

/** For tests that start a fresh keychain daemon in the same process. */
export function resetKeychainForTests(): void {
  helper?.stop();
  helper = undefined;
  poisoned = undefined;
}

/** Why this process stopped calling the keychain, if it did. */
export function keychainPoisoned(): string | undefined {
  return poisoned;
}

function poison(reason: string): KeychainUnavailable {
  poisoned = `keychain unavailable: ${reason}; not using it again in this process`;
  // A call that hangs in native code cannot be cancelled: kill the helper that runs it.
  helper?.stop();
  helper = undefined;
  return new KeychainUnavailable(poisoned);
}

async function call(request: KeychainOp, timeoutMs: number): Promise<string | boolean | null> {
  if (poisoned) throw new KeychainUnavailable(poisoned);
  helper ??= new KeychainHelper(timeoutMs);
  try {
    return await helper.call(request);
  } catch (error) {
    if (!(error instanceof KeychainCallError)) throw error;
    if (error.kind === 'timeout') {
      throw poison(`the OS keychain did not answer within ${timeoutMs / 1000} s (it may be locked or hung)`);
    }
    if (error.kind === 'helper') throw poison(`the OS keychain cannot be reached (${error.message})`);
    if (NO_REPLY.test(error.message)) {
      throw poison('the OS keychain did not answer (it may be locked or hung)');
    }
    throw new KeychainUnavailable(
      `keychain unavailable: the OS keychain failed to ${request.op}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
}

export function createKeychainVault(opts: { timeoutMs?: number } = {}): TokenVault {
  const timeoutMs = opts.timeoutMs ?? KEYCHAIN_TIMEOUT_MS;
  const service = KEYCHAIN_SERVICE;
  return {
    async get(account) {
      const secret = await call({ op: 'get', service, account }, timeoutMs);
      if (typeof secret !== 'string') return undefined;
      // An entry that is not our JSON (edited by hand, another tool) counts as signed out.
      let json: unknown;
      try {
        json = JSON.parse(secret);
      } catch {
        return undefined;
      }
      const parsed = TokenPairSchema.safeParse(json);
      return parsed.success ? parsed.data : undefined;
    },
    async set(account, tokens) {
      await call({ op: 'set', service, account, secret: JSON.stringify(tokens) }, timeoutMs);
    },
    async delete(account) {
      await call({ op: 'delete', service, account }, timeoutMs);
    },
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
