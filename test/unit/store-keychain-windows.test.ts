// The keychain's rules on each platform, run here on Linux: the real vault over a backend that
// keeps Windows Credential Manager's 2,560-byte limit, through the CredentialStore (openStore's
// vault seam); the 2,048-byte probe; and the pure platform functions for linux, darwin and win32.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import {
  createKeychainVault,
  KEYCHAIN_SERVICE,
  KeychainUnavailable,
  type TokenVault,
} from '../../src/store/keychain.js';
import { keychainPolicy, keychainReachFix, keychainWaitMessage } from '../../src/store/keychain-platform.js';
import { PROBE_BYTES, probeProcessKeychain } from '../../src/store/keychain-probe.js';
import { decodeTokenPair, encodeTokenPair, isSizeRefusal } from '../../src/store/keychain-secret.js';
import { openStore, type StorageChoice } from '../../src/store/open-store.js';
import type { LoadedCredential } from '../../src/store/types.js';
import { pairOfSize, WINDOWS_LIMIT, type WindowsBackend, windowsBackend } from '../helpers/windows-vault.js';

const API = 'http://127.0.0.1:8787';
const ACCOUNT = `c|${API}`;
const ENTRY = `${KEYCHAIN_SERVICE}|${ACCOUNT}`;
const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-windows-'));

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l), level: 'debug' }) };
}

function credential(pair: { access_token: string; refresh_token: string }): LoadedCredential {
  return {
    issuer: 'http://127.0.0.1:8788',
    client_id: 'client-1',
    client_registered_dynamically: true,
    scope: 'sites:read',
    expires_at: 2_000_000_000,
    authorized_at: 1_900_000_000,
    storage: 'file',
    ...pair,
  };
}

async function windowsStore(storage: StorageChoice, backend: WindowsBackend, root?: string) {
  const { lines, log } = capture();
  const vault = createKeychainVault({ platform: 'win32', backend });
  const store = await openStore({ root: root ?? (await tmp()), client: 'c', storage, log, vault });
  return { store, lines };
}

describe("Windows Credential Manager's 2,560 bytes", () => {
  it('a 1,400-byte pair, over the limit the old way (UTF-16), is kept in the keychain as UTF-8 bytes', async () => {
    const pair = pairOfSize(1400);
    expect(encodeTokenPair(pair).length).toBe(1400);
    const backend = windowsBackend();
    // What the product did before: setPassword, twice the bytes, refused.
    await expect(backend.setPassword(KEYCHAIN_SERVICE, 'old', JSON.stringify(pair))).rejects.toThrow(
      /longer than platform limit/,
    );
    const { store, lines } = await windowsStore('keychain', backend);
    await store.write(API, credential(pair));
    expect(Buffer.from(backend.entries.get(ENTRY)!).toString('utf8')).toBe(JSON.stringify(pair));
    expect(await store.read(API)).toMatchObject({ ...pair, storage: 'keychain' });
    const text = readFileSync(store.file, 'utf8');
    expect(text).not.toContain(pair.access_token);
    expect(text).not.toContain(pair.refresh_token);
    expect(lines.join('')).not.toMatch(/too large|unavailable/);
  });

  it('an entry written the old way (setPassword: UTF-16LE) still reads', async () => {
    const pair = pairOfSize(600, 'old');
    const backend = windowsBackend();
    const { store } = await windowsStore('keychain', backend);
    await store.write(API, credential(pairOfSize(300, 'new'))); // the file now says "keychain"
    await backend.setPassword(KEYCHAIN_SERVICE, ACCOUNT, JSON.stringify(pair));
    expect(await store.read(API)).toMatchObject(pair);
  });

  it('auto: a 3,000-byte pair goes to the file for that credential, with one line that says why', async () => {
    const backend = windowsBackend();
    const { store, lines } = await windowsStore('auto', backend);
    expect(store.storage).toBe('keychain'); // the 2,048-byte probe fits
    await store.write(API, credential(pairOfSize(600, 'small'))); // an earlier, smaller sign-in
    expect(backend.entries.has(ENTRY)).toBe(true);

    const big = pairOfSize(3000, 'big');
    await store.write(API, credential(big));
    const told = lines.filter((l) => /too large/.test(l));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/the token pair \(3000 bytes\) is too large for Windows Credential Manager/);
    expect(told[0]).toContain(store.file);
    expect(told[0]).not.toMatch(/unavailable/);
    const onDisk = JSON.parse(readFileSync(store.file, 'utf8')).credentials[API];
    expect(onDisk).toMatchObject({ storage: 'file', too_large_for_keychain: true, ...big });
    expect(backend.entries.has(ENTRY)).toBe(false); // the old entry went once the file held the pair
    expect(store.storage).toBe('keychain'); // other credentials still go to the keychain

    // Reads and the next rotation do not offer it to the keychain again, nor say it again.
    const offers = backend.offered.length;
    expect(await store.read(API)).toMatchObject(big);
    const rotated = pairOfSize(3000, 'rot');
    await store.write(API, credential(rotated));
    expect(await store.read(API)).toMatchObject(rotated);
    expect(backend.offered.length).toBe(offers);
    expect(lines.filter((l) => /too large/.test(l))).toHaveLength(1);

    // Another process (another store on the same folder) reads it from the file as it is.
    const other = await windowsStore('auto', backend, store.dir.replace(/\/c\/hostsmith$/, ''));
    expect(await other.store.read(API)).toMatchObject(rotated);
    expect(other.lines.filter((l) => /too large/.test(l))).toHaveLength(0);
  });

  it('keychain: a 3,000-byte pair is refused in words, and the file is left as it was', async () => {
    const backend = windowsBackend();
    const { store } = await windowsStore('keychain', backend);
    await store.write(API, credential(pairOfSize(600, 'small')));
    const before = readFileSync(store.file, 'utf8');
    await expect(store.write(API, credential(pairOfSize(3000)))).rejects.toMatchObject({
      code: 'KEYCHAIN_TOO_LARGE',
      message: expect.stringMatching(
        /too large for Windows Credential Manager \(at most 2560 bytes per entry\).*--storage auto/,
      ),
    });
    expect(readFileSync(store.file, 'utf8')).toBe(before);
  });

  it(`the probe writes ${PROBE_BYTES} bytes: a keychain that cannot hold a realistic pair is known at once`, async () => {
    const roomy = windowsBackend();
    expect((await windowsStore('auto', roomy)).store.storage).toBe('keychain');
    expect(roomy.offered).toEqual([PROBE_BYTES]);
    expect(roomy.entries.size).toBe(0); // the probe entry is gone

    const small = windowsBackend(1024);
    const { store, lines } = await windowsStore('auto', small);
    expect(store.storage).toBe('file');
    expect(lines.join('')).toMatch(/No usable OS keychain \(the token pair \(2048 bytes\) is too large/);
    await expect(windowsStore('keychain', windowsBackend(1024))).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
    });
  });
});

describe('the keychain secret', () => {
  const pair = { access_token: 'access-é-1', refresh_token: 'refresh-1' };
  it('is UTF-8 JSON', () => {
    expect(Buffer.from(encodeTokenPair(pair)).toString('utf8')).toBe(JSON.stringify(pair));
  });
  it.each(['linux', 'darwin', 'win32'] as const)('%s: reads UTF-8 JSON; only win32 also UTF-16LE', (p) => {
    expect(decodeTokenPair(encodeTokenPair(pair), p)).toEqual(pair);
    const utf16 = new Uint8Array(Buffer.from(JSON.stringify(pair), 'utf16le'));
    expect(decodeTokenPair(utf16, p)).toEqual(p === 'win32' ? pair : undefined);
    expect(decodeTokenPair(new Uint8Array(Buffer.from('not json')), p)).toBeUndefined();
  });
  it("recognises keyring's size refusal, and nothing else as one", () => {
    expect(isSizeRefusal("Attribute 'secret' is longer than platform limit of 2560 chars")).toBe(true);
    expect(
      isSizeRefusal("Attribute 'password encoded as UTF-16' is longer than platform limit of 2560 chars"),
    ).toBe(true);
    expect(isSizeRefusal('Platform secure storage failure: DBus error: no reply')).toBe(false);
    expect(isSizeRefusal('No matching entry found in secure storage')).toBe(false);
  });
});

describe('keychain rules by platform', () => {
  it('linux: a short bound, and a timeout writes the keychain off (a dead D-Bus hangs for good)', () => {
    expect(keychainPolicy('linux')).toMatchObject({
      timeoutMs: 3000,
      giveUpAfterTimeout: true,
      noticeAfterMs: undefined,
      limitBytes: undefined,
    });
  });
  it('darwin: 30 s for a person to answer a dialog, said while waiting, and never written off', () => {
    expect(keychainPolicy('darwin')).toMatchObject({
      timeoutMs: 30_000,
      giveUpAfterTimeout: false,
      noticeAfterMs: expect.any(Number),
      name: 'the macOS keychain',
    });
    expect(keychainWaitMessage('darwin', 4200)).toMatch(/Waiting for the macOS keychain \(4 s\).*dialog/);
  });
  it('win32: Credential Manager, 2,560 bytes an entry', () => {
    expect(keychainPolicy('win32')).toMatchObject({
      giveUpAfterTimeout: true,
      name: 'Windows Credential Manager',
      limitBytes: WINDOWS_LIMIT,
    });
  });
  it('the fix for an unreachable keychain names the host setting, or --storage file', () => {
    const codex = keychainReachFix('linux', {});
    expect(codex).toContain('env_vars = ["DBUS_SESSION_BUS_ADDRESS"]');
    expect(codex).toContain('[mcp_servers.hostsmith] in ~/.codex/config.toml');
    expect(codex).toContain('--storage file');
    const bus = keychainReachFix('linux', { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1/bus' });
    expect(bus).toMatch(/Secret Service.*unlocked.*--storage file/);
    expect(bus).not.toContain('env_vars');
    expect(keychainReachFix('darwin', {})).toMatch(/Keychain Access.*--storage file/);
    expect(keychainReachFix('win32', {})).toMatch(/Credential Manager.*--storage file/);
  });
});

describe("the process's probe of its own keychain", () => {
  it('darwin: a failure (say, a dialog nobody answered in time) is probed again next time; linux: once', async () => {
    let writes = 0;
    const failing: TokenVault = {
      get: async () => undefined,
      set: async () => {
        writes += 1;
        throw new KeychainUnavailable('keychain unavailable: no answer within the bound; try again');
      },
      delete: async () => {},
    };
    expect(await probeProcessKeychain(failing, 'darwin')).toMatchObject({ ok: false });
    expect(await probeProcessKeychain(failing, 'darwin')).toMatchObject({ ok: false });
    expect(writes).toBe(2);
    expect(await probeProcessKeychain(failing, 'linux')).toMatchObject({ ok: false });
    expect(await probeProcessKeychain(failing, 'linux')).toMatchObject({ ok: false });
    expect(writes).toBe(3);
  });
});
