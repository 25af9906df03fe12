// The CredentialStore over oauth.json and a token vault, with an in-memory vault standing in for
// the OS keychain (the real one is tested in test/keychain): moves between storages and their
// races, the keychain going away under `auto` and under `keychain`, removal order.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreFileIO } from '../../src/store/file-store.js';
import { KeychainUnavailable, type TokenPair, type TokenVault } from '../../src/store/keychain.js';
import { openStore } from '../../src/store/open-store.js';
import type { CredentialStore, LoadedCredential } from '../../src/store/types.js';

const API = 'http://127.0.0.1:8787';
const ACCOUNT = `c|${API}`;
const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-open-'));

function capture() {
  const lines: string[] = [];
  // The store's debug phase lines (what the crash-mid-write row kills on) are not what is counted here.
  const write = (l: string) => {
    if (!l.includes('debug: store: ')) lines.push(l);
  };
  return { lines, log: createLogger({ write, level: 'debug' }) };
}

function credential(n: number): LoadedCredential {
  return {
    issuer: 'http://127.0.0.1:8788',
    client_id: 'client-1',
    client_registered_dynamically: true,
    scope: 'sites:read',
    expires_at: 2_000_000_000 + n,
    authorized_at: 1_900_000_000,
    storage: 'file',
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
  };
}

type Op = 'get' | 'set' | 'delete';

/** An in-memory keychain; `down` makes it unavailable, `before` runs a hook before each call. */
function memoryVault() {
  const entries = new Map<string, TokenPair>();
  const calls: string[] = [];
  const state: { down: boolean; before?: (op: Op, account: string) => Promise<void> } = { down: false };
  const guard = async (op: Op, account: string) => {
    calls.push(`${op} ${account}`);
    await state.before?.(op, account);
    if (state.down) throw new KeychainUnavailable('keychain unavailable: stopped for the test');
  };
  const vault: TokenVault = {
    async get(account) {
      await guard('get', account);
      return entries.get(account);
    },
    async set(account, tokens) {
      await guard('set', account);
      entries.set(account, tokens);
    },
    async delete(account) {
      await guard('delete', account);
      entries.delete(account);
    },
  };
  return { vault, entries, calls, state };
}

const onDisk = (store: CredentialStore) => readFileSync(store.file, 'utf8');

describe('moving between storages', () => {
  it('file → keychain on read: keychain written first, then the file loses its tokens', async () => {
    const root = await tmp();
    const m = memoryVault();
    await (await openStore({ root, client: 'c', storage: 'file', log: capture().log })).write(
      API,
      credential(1),
    );
    const store = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    let fileAtSet = '';
    m.state.before = async (op) => {
      if (op === 'set' && !fileAtSet) fileAtSet = onDisk(store);
    };
    expect(await store.read(API)).toMatchObject({ access_token: 'access-1', refresh_token: 'refresh-1' });
    expect(fileAtSet).toContain('refresh-1'); // the file still held them when the keychain was written
    expect(onDisk(store)).not.toContain('access-1');
    expect(onDisk(store)).not.toContain('refresh-1');
    expect(m.entries.get(ACCOUNT)).toEqual({ access_token: 'access-1', refresh_token: 'refresh-1' });
  });

  it('keychain → file on write: the file gets the tokens before the entry is deleted', async () => {
    const root = await tmp();
    const m = memoryVault();
    await (
      await openStore({ root, client: 'c', storage: 'keychain', log: capture().log, vault: m.vault })
    ).write(API, credential(1));
    const store = await openStore({ root, client: 'c', storage: 'file', log: capture().log, vault: m.vault });
    let fileAtDelete = '';
    m.state.before = async (op) => {
      if (op === 'delete') fileAtDelete = onDisk(store);
    };
    await store.write(API, credential(2));
    expect(fileAtDelete).toContain('refresh-2');
    expect(m.entries.size).toBe(0);
    expect(await store.read(API)).toMatchObject({ refresh_token: 'refresh-2', storage: 'file' });
  });

  it('a move never writes an older pair over one another process rotated meanwhile', async () => {
    const root = await tmp();
    const m = memoryVault();
    const fileStore = await openStore({ root, client: 'c', storage: 'file', log: capture().log });
    await fileStore.write(API, credential(1));
    const keyStore = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    let moved: Promise<LoadedCredential | undefined> | undefined;
    // "Another process" holds the lock and rotates while the keychain store reads.
    await fileStore.withLock(async () => {
      // The keychain store read the file (pair 1) and now queues for the lock; then the rotation.
      const queued = vi.spyOn(StoreFileIO.prototype, 'withLock');
      try {
        moved = keyStore.read(API);
        await vi.waitFor(() => expect(queued).toHaveBeenCalled(), { timeout: 30_000 });
      } finally {
        queued.mockRestore();
      }
      await fileStore.write(API, credential(2));
    });
    expect(await moved).toMatchObject({ access_token: 'access-2', refresh_token: 'refresh-2' });
    expect(m.entries.get(ACCOUNT)).toEqual({ access_token: 'access-2', refresh_token: 'refresh-2' });
    expect(onDisk(keyStore)).not.toContain('refresh-');
  });

  it('an entry found missing while another process moves it to the file is looked up again', async () => {
    const root = await tmp();
    const m = memoryVault();
    const keyStore = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    await keyStore.write(API, credential(1));
    const fileStore = await openStore({
      root,
      client: 'c',
      storage: 'file',
      log: capture().log,
      vault: m.vault,
    });
    // Between the keychain store's file read and its keychain read, the file store moves it all.
    let once = true;
    m.state.before = async (op) => {
      if (op === 'get' && once) {
        once = false;
        await fileStore.write(API, credential(1));
      }
    };
    expect(await keyStore.read(API)).toMatchObject({ refresh_token: 'refresh-1' });
  });
});

describe('a keychain that goes away', () => {
  it('auto: a read fails naming the fix (no new sign-in into the file), and later writes go to the file', async () => {
    const root = await tmp();
    const m = memoryVault();
    const { lines, log } = capture();
    const store = await openStore({ root, client: 'c', storage: 'auto', log, vault: m.vault, env: {} });
    expect(store.storage).toBe('keychain');
    await store.write(API, credential(1));
    m.state.down = true;
    // Signed out would mean a new sign-in into the file, stranding the keychain's live grant.
    await expect(store.read(API)).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
      message: expect.stringMatching(
        new RegExp(
          `account ${ACCOUNT.replace(/[|.]/g, '\\$&')}.*cannot reach.*Not signing in again.*env_vars.*--storage file`,
        ),
      ),
    });
    expect(JSON.parse(onDisk(store)).credentials[API].storage).toBe('keychain');
    expect(store.storage).toBe('file');
    await store.write(API, credential(2));
    expect(await store.read(API)).toMatchObject({ refresh_token: 'refresh-2', storage: 'file' });
    expect(lines.filter((l) => l.includes('keychain unavailable'))).toHaveLength(1);
    expect(lines.join('')).toContain(store.file);
    expect(lines).toHaveLength(1); // unavailable, and the file from now on
  });

  it('file: a credential another process kept in an unreachable keychain means a new sign-in into the file', async () => {
    const root = await tmp();
    const m = memoryVault();
    await (await openStore({ root, client: 'c', storage: 'auto', log: capture().log, vault: m.vault })).write(
      API,
      credential(1),
    );
    m.state.down = true;
    const { lines, log } = capture();
    const store = await openStore({ root, client: 'c', storage: 'file', log, vault: m.vault });
    expect(await store.read(API)).toBeUndefined(); // --storage file was the person's choice
    expect(lines.join('')).toMatch(/cannot be read .*sign in again/);
  });

  it('auto: a write that finds the keychain gone keeps the tokens in the file', async () => {
    const root = await tmp();
    const m = memoryVault();
    const store = await openStore({ root, client: 'c', storage: 'auto', log: capture().log, vault: m.vault });
    m.state.down = true;
    await store.write(API, credential(3));
    expect(onDisk(store)).toContain('refresh-3');
    expect(await store.read(API)).toMatchObject({ refresh_token: 'refresh-3' });
  });

  it('keychain: reads and writes fail with KEYCHAIN_UNAVAILABLE and the file is left as it was', async () => {
    const root = await tmp();
    const m = memoryVault();
    const store = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    await store.write(API, credential(1));
    const before = onDisk(store);
    m.state.down = true;
    await expect(store.read(API)).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
    await expect(store.write(API, credential(2))).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
    expect(onDisk(store)).toBe(before);
    expect(store.storage).toBe('keychain');
  });

  it('keychain with no keychain at all fails to open, naming the way out', async () => {
    const m = memoryVault();
    m.state.down = true;
    await expect(
      openStore({ root: await tmp(), client: 'c', storage: 'keychain', log: capture().log, vault: m.vault }),
    ).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
      message: expect.stringMatching(/--storage file/),
    });
  });
});

describe('remove', () => {
  it('deletes the keychain entry before the file entry, and keeps registrations', async () => {
    const root = await tmp();
    const m = memoryVault();
    const store = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    await store.write(API, credential(1));
    await store.writeRegistration('http://127.0.0.1:8788', { client_id: 'client-1', registered_at: 1 });
    let fileAtDelete = '';
    m.state.before = async (op) => {
      if (op === 'delete') fileAtDelete = onDisk(store);
    };
    await store.remove(API);
    expect(JSON.parse(fileAtDelete).credentials[API]).toBeDefined();
    expect(m.entries.size).toBe(0);
    expect(await store.read(API)).toBeUndefined();
    expect(await store.readRegistration('http://127.0.0.1:8788')).toBeDefined();
    await store.remove(API); // nothing left: a no-op
  });

  it('signs out in the file even when the keychain entry cannot be deleted, and says which entry', async () => {
    const root = await tmp();
    const m = memoryVault();
    const store = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    await store.write(API, credential(1));
    m.state.down = true;
    await expect(store.remove(API)).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
      message: expect.stringContaining(ACCOUNT),
    });
    expect(JSON.parse(onDisk(store)).credentials[API]).toBeUndefined();
  });

  it('registrations and sign-in markers never touch the keychain', async () => {
    const root = await tmp();
    const m = memoryVault();
    const store = await openStore({
      root,
      client: 'c',
      storage: 'keychain',
      log: capture().log,
      vault: m.vault,
    });
    m.calls.length = 0;
    await store.writeRegistration('http://i', { client_id: 'x', registered_at: 1 });
    await store.writePendingSignIn(API, {
      url: 'http://127.0.0.1:1/a',
      pid: 1,
      started_at: 1,
      expires_at: 2,
    });
    await store.readRegistration('http://i');
    await store.readPendingSignIn(API);
    await store.clearPendingSignIn(API);
    await store.removeRegistration('http://i');
    expect(m.calls).toEqual([]);
  });
});
