// Does a usable keychain answer here? A probe entry of a realistic pair's size is written, read
// back and deleted — before any sign-in, so that a keychain that cannot hold a pair (Windows
// Credential Manager holds 2,560 bytes an entry) is known while the file is still an option.
import { keychainPoisoned, type TokenPair, type TokenVault } from './keychain.js';
import { keychainPolicy } from './keychain-platform.js';
import { encodeTokenPair } from './keychain-secret.js';

/** What the probe writes: about what two JWT-sized tokens take. */
export const PROBE_BYTES = 2048;

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** A pair whose stored form is exactly `bytes` long. */
export function probePair(bytes: number): TokenPair {
  const bare = encodeTokenPair({ access_token: 'probe-access-', refresh_token: 'probe-refresh-' }).length;
  const fill = Math.max(0, bytes - bare);
  return {
    access_token: `probe-access-${'a'.repeat(Math.ceil(fill / 2))}`,
    refresh_token: `probe-refresh-${'r'.repeat(Math.floor(fill / 2))}`,
  };
}

/** Write PROBE_BYTES, read them back, delete the entry. */
export async function probeKeychain(vault: TokenVault): Promise<ProbeResult> {
  const account = `probe|${process.pid}|${Date.now()}`;
  const pair = probePair(PROBE_BYTES);
  try {
    await vault.set(account, pair);
    const back = await vault.get(account);
    await vault.delete(account);
    if (back?.access_token !== pair.access_token || back.refresh_token !== pair.refresh_token)
      return { ok: false, reason: 'the keychain did not return what was written' };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** The process's own keychain is probed once per process… */
let processProbe: Promise<ProbeResult> | undefined;

/** …and a keychain that stopped answering since counts as a failed probe. */
export async function probeProcessKeychain(
  vault: TokenVault,
  platform: NodeJS.Platform,
): Promise<ProbeResult> {
  const poisoned = keychainPoisoned();
  if (poisoned) return { ok: false, reason: poisoned };
  processProbe ??= probeKeychain(vault);
  const probe = await processProbe;
  // Where a timeout is a person still reading a dialog (macOS), a failure is not for good.
  if (!probe.ok && !keychainPolicy(platform).giveUpAfterTimeout) processProbe = undefined;
  return probe;
}
