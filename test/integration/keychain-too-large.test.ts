// A sign-in whose tokens Windows Credential Manager cannot hold: the real Session and store, the
// real vault over a backend that keeps Windows's 2,560-byte rule, against a sandbox that issues
// 3,000-byte JWT access tokens (as real authorization servers do). Under `auto` the pair goes to
// the file, with one line that says why; under `keychain` the sign-in fails and the grant it just
// made is revoked at the server (RFC 7009), so nothing is left alive that nothing stores.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSession, type HostsmithSession } from '../../src/auth/session.js';
import { type Account, AuthError } from '../../src/auth/types.js';
import { createLogger } from '../../src/log.js';
import { createKeychainVault } from '../../src/store/keychain.js';
import { openStore, type StorageChoice } from '../../src/store/open-store.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { completeSignIn } from '../helpers/scripted-browser.js';
import { windowsBackend } from '../helpers/windows-vault.js';

const BYTES = 3000;
const sandbox = await startTestSandbox({ rateLimit: 10_000, accessTokenBytes: BYTES });
const ADA: Account = { email: 'ada@example.com', homePartition: 'us' };

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
const sessions: HostsmithSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

const accountCall = (token: string) =>
  fetch(`${sandbox.api}/v1/account`, { headers: { authorization: `Bearer ${token}` } });

async function describeAccount(token: string): Promise<Account> {
  const res = await accountCall(token);
  if (!res.ok) throw new Error(`GET /v1/account: HTTP ${res.status}`);
  const body = (await res.json()) as { user: Account };
  return { email: body.user.email, homePartition: body.user.homePartition };
}

/** One "process" on a Windows keychain: store, Session, and a browser that approves at once. */
async function windowsProcess(storage: StorageChoice) {
  const root = mkdtempSync(join(tmpdir(), 'keychain-too-large-'));
  roots.push(root);
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const backend = windowsBackend();
  const vault = createKeychainVault({ platform: 'win32', backend });
  const store = await openStore({ root, client: 'win', storage, log, vault });
  const browserErrors: unknown[] = [];
  const session = createSession({
    apiUrl: sandbox.api,
    store,
    log,
    describeAccount,
    openBrowser: (url) => {
      completeSignIn(url).catch((e: unknown) => browserErrors.push(e));
      return { launched: true };
    },
  });
  sessions.push(session);
  return { store, session, backend, lines, browserErrors };
}

const grantIds = async () => new Set((await sandbox.window.grants()).map((g) => g.grantId));

describe(`a sign-in with ${BYTES}-byte access tokens on Windows Credential Manager`, () => {
  it('auto: signed in, the tokens in the file, and one stderr line that says why', async () => {
    const p = await windowsProcess('auto');
    expect(p.store.storage).toBe('keychain'); // the 2,048-byte probe fits
    const signIn = await p.session.beginSignIn();
    await expect(signIn.done).resolves.toEqual(ADA);
    expect(p.browserErrors).toEqual([]);

    const stored = JSON.parse(readFileSync(p.store.file, 'utf8')).credentials[sandbox.api];
    expect(stored).toMatchObject({ storage: 'file', too_large_for_keychain: true });
    expect(Buffer.byteLength(stored.access_token)).toBe(BYTES);
    expect(p.backend.entries.size).toBe(0);
    const told = p.lines.filter((l) => /too large/.test(l));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/too large for Windows Credential Manager \(at most 2560 bytes per entry\)/);
    expect(told[0]).toContain(p.store.file);
    expect(p.lines.join('')).not.toMatch(/unavailable/);

    // The session goes on with the stored token, which the API honours.
    const token = await p.session.accessToken();
    expect(token).toBe(stored.access_token);
    expect((await accountCall(token)).status).toBe(200);
  });

  it('keychain: the sign-in fails clearly, and the grant it made is revoked at the server', async () => {
    const p = await windowsProcess('keychain');
    const before = await grantIds();
    const issuedBefore = sandbox.window.secrets().accessTokens.length;
    const signIn = await p.session.beginSignIn();
    const error = await signIn.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('SIGN_IN_FAILED');
    expect((error as Error).message).toMatch(
      /too large for Windows Credential Manager.*--storage keychain keeps tokens nowhere else; use --storage auto.*revoked at Hostsmith/,
    );

    // A grant was issued (a token of it exists) and is no longer alive; nothing was stored.
    const issued = sandbox.window.secrets().accessTokens.slice(issuedBefore);
    expect(issued).toHaveLength(1);
    expect(Buffer.byteLength(issued[0]!)).toBe(BYTES);
    const after = await grantIds();
    expect([...after].filter((id) => !before.has(id))).toEqual([]);
    expect((await accountCall(issued[0]!)).status).toBe(401);
    expect(p.backend.entries.size).toBe(0);
    expect(await p.store.read(sandbox.api)).toBeUndefined();
  });
});
