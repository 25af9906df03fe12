// The OS keychain's bounds, on a private GNOME Keyring this file may stop at will: the probe, an
// entry that is not ours, and a session bus that hangs for good (SIGSTOP), which the 3 s bound
// must cut off without ever freezing the event loop or keeping the process from exiting.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createKeychainVault, keychainAccount } from '../../src/store/keychain.js';
import { probeKeychain } from '../../src/store/keychain-probe.js';
import { openStore } from '../../src/store/open-store.js';
import { TSX_LOADER, tempDir } from '../helpers/mcp-server.js';
import { usePrivateKeychain } from './private-keychain.js';

const API = 'http://127.0.0.1:9/bounded-api';
const keychain = usePrivateKeychain();

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l), level: 'debug' }) };
}

describe('the keychain probe', () => {
  it('writes, reads back and deletes its entry, leaving nothing behind', async () => {
    const kc = keychain();
    const vault = createKeychainVault();
    const start = performance.now();
    expect(await probeKeychain(vault)).toEqual({ ok: true });
    const ms = performance.now() - start;
    // A hang guard, not a timing: the helper's start (its own 15 s bound) and three calls.
    expect(ms).toBeLessThan(20_000);
    expect((await kc.accounts()).filter((a) => a.startsWith('probe|'))).toEqual([]);
  });

  it('a secret that is not our JSON reads as signed out, and a new sign-in replaces it', async () => {
    const kc = keychain();
    const root = tempDir();
    const store = await openStore({ root, client: 'bounded', storage: 'keychain', log: capture().log });
    const now = Math.floor(Date.now() / 1000);
    const cred = {
      issuer: 'http://127.0.0.1:9',
      client_id: 'c',
      client_registered_dynamically: false,
      scope: '',
      expires_at: now + 60,
      authorized_at: now,
      storage: 'keychain' as const,
      access_token: 'bounded-access-1',
      refresh_token: 'bounded-refresh-1',
    };
    await store.write(API, cred);
    const account = keychainAccount('bounded', API);
    await kc.store(account, 'not json at all');
    expect(await store.read(API)).toBeUndefined();
    await store.write(API, { ...cred, access_token: 'bounded-access-2' });
    expect(JSON.parse((await kc.lookup(account))!)).toEqual({
      access_token: 'bounded-access-2',
      refresh_token: 'bounded-refresh-1',
    });
    const text = readFileSync(store.file, 'utf8');
    expect(text).not.toContain('bounded-access');
    expect(text).not.toContain('bounded-refresh');
  });
});

describe('a session bus that hangs (SIGSTOP)', () => {
  it('costs one 3 s wait with the event loop turning, then no call waits, and the process exits', async () => {
    const kc = keychain();
    const root = tempDir();
    const started = Date.now();
    const { stdout, stderr, exitedAt } = await new Promise<{
      stdout: string;
      stderr: string;
      exitedAt: number;
    }>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--import',
          TSX_LOADER,
          join(import.meta.dirname, 'fixtures/hang-child.ts'),
          root,
          String(kc.busPid),
        ],
        { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: kc.address }, timeout: 40_000 },
        (error, out, err) => {
          try {
            process.kill(kc.busPid, 'SIGCONT');
          } catch {}
          if (error) reject(new Error(`${error.message}\n${err}`));
          else resolve({ stdout: out, stderr: err, exitedAt: Date.now() });
        },
      );
    });
    type Step = { ms: number; value?: string | null; error?: string };
    const r = JSON.parse(stdout) as {
      storageBefore: string;
      storageAfter: string;
      firstRead: Step;
      write: Step;
      secondRead: Step;
      maxGap: number;
      printedAt: number;
    };
    expect(r.storageBefore).toBe('keychain');
    // The first call is cut off by our 3 s bound (the bus itself never answers); the helper had
    // started already. The upper limit leaves a loaded machine room, yet is below the start's 15 s.
    expect(r.firstRead.ms).toBeGreaterThanOrEqual(2900);
    expect(r.firstRead.ms).toBeLessThan(10_000);
    // auto: not "signed out" (a new sign-in into the file would strand the keychain's grant).
    expect(r.firstRead.error).toMatch(/cannot reach .*Not signing in again/);
    // The event loop kept turning all along: no native call ran on this thread (one would have
    // stopped it for the whole 3 s bound, or for good). Below 3 s, with room for a loaded machine.
    expect(r.maxGap).toBeLessThan(2500);
    // From then on the keychain is not called: auto keeps the new tokens in the file, without
    // another wait (a call would take the 3 s bound).
    expect(r.write.error).toBeUndefined();
    expect(r.write.ms).toBeLessThan(2500);
    expect(r.secondRead.value).toMatch(/^hang-access-2-/);
    expect(r.secondRead.ms).toBeLessThan(2500);
    expect(r.storageAfter).toBe('file');
    expect(stderr).toMatch(/keychain unavailable: the OS keychain did not answer within 3 s/);
    expect(stderr.match(/keychain unavailable/g)).toHaveLength(1);
    // The process ended on its own while the bus was still stopped (the hung helper was killed);
    // one it kept alive would run into execFile's 40 s timeout. A hang guard, not a timing.
    expect(exitedAt - r.printedAt).toBeLessThan(10_000);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 45_000);
});
