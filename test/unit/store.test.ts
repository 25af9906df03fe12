import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreFileIO } from '../../src/store/file-store.js';
import type { TokenPair, TokenVault } from '../../src/store/keychain.js';
import { openStore } from '../../src/store/open-store.js';
import { listClientFolders, safeClientName, storeDir } from '../../src/store/paths.js';
import type { LoadedCredential } from '../../src/store/types.js';

const API = 'http://127.0.0.1:8787';
const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-'));

function quietLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l), level: 'debug' }) };
}

function credential(n = 1): LoadedCredential {
  return {
    issuer: 'http://127.0.0.1:8788',
    client_id: 'client-1',
    client_registered_dynamically: true,
    account: { email: 'ada@example.com', homePartition: 'us' },
    scope: 'sites:read',
    expires_at: 2_000_000_000,
    authorized_at: 1_900_000_000,
    storage: 'file',
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
  };
}

/** An in-memory stand-in for the OS keychain (the real one is tested with GNOME Keyring). */
function memoryVault(): TokenVault & { entries: Map<string, TokenPair> } {
  const entries = new Map<string, TokenPair>();
  return {
    entries,
    get: async (a) => entries.get(a),
    set: async (a, t) => {
      entries.set(a, t);
    },
    delete: async (a) => {
      entries.delete(a);
    },
  };
}

describe('safeClientName', () => {
  it.each([
    ['claude-ai', 'claude-ai'],
    ['Visual Studio Code', 'visual-studio-code'],
    ['cursor-vscode', 'cursor-vscode'],
    ['  --My Client!!--  ', 'my-client'],
    ['..hidden..', 'hidden'],
    ['', 'mcp-client'],
    ['日本語', 'mcp-client'],
    ['a'.repeat(80), 'a'.repeat(64)],
    ['../../etc', 'etc'],
  ])('%j → %j', (input, expected) => {
    expect(safeClientName(input)).toBe(expected);
  });
});

describe('the credentials file', () => {
  it('is written 0600 in a 0700 folder, and read back', async () => {
    const root = await tmp();
    const store = await openStore({ root, client: 'claude-ai', storage: 'file', log: quietLog().log });
    await store.write(API, credential());
    expect(store.file).toBe(join(root, 'claude-ai/hostsmith/oauth.json'));
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(await store.read(API)).toMatchObject({ access_token: 'access-1', storage: 'file' });
    expect(await store.read('https://other.example')).toBeUndefined();
    expect(JSON.parse(readFileSync(store.file, 'utf8')).version).toBe(1);
    expect(listClientFolders(root)).toEqual(['claude-ai']);
  });

  it('tightens a folder that was created too open', async () => {
    const root = await tmp();
    mkdirSync(storeDir(root, 'c'), { recursive: true, mode: 0o755 });
    const store = await openStore({ root, client: 'c', storage: 'file', log: quietLog().log });
    await store.write(API, credential());
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['not JSON', '{"version": 1, "credentials": {'],
    ['an unknown version', '{"version": 2, "credentials": {}}'],
    ['a bad credential', '{"version": 1, "credentials": {"x": {"issuer": 3}}}'],
  ])('sets aside %s, reports it, and reads as signed out', async (_what, content) => {
    const root = await tmp();
    const { lines, log } = quietLog();
    const store = await openStore({ root, client: 'c', storage: 'file', log });
    mkdirSync(store.dir, { recursive: true });
    writeFileSync(store.file, content);
    expect(await store.read(API)).toBeUndefined();
    expect(existsSync(store.file)).toBe(false);
    expect(readdirSync(store.dir).filter((f) => f.startsWith('oauth.json.corrupt-'))).toHaveLength(1);
    expect(lines.join('')).toMatch(/set aside/);
    await store.write(API, credential());
    expect(await store.read(API)).toBeDefined();
  });

  it('keeps registrations and pending sign-ins beside the credentials', async () => {
    const root = await tmp();
    const store = await openStore({ root, client: 'c', storage: 'file', log: quietLog().log });
    await store.writeRegistration('http://issuer', { client_id: 'abc', registered_at: 1 });
    await store.writePendingSignIn(API, {
      url: 'http://127.0.0.1:1/start/x',
      pid: 42,
      started_at: 1,
      expires_at: 2,
    });
    expect(await store.readRegistration('http://issuer')).toMatchObject({ client_id: 'abc' });
    await store.clearPendingSignIn(API, 41);
    expect(await store.readPendingSignIn(API)).toBeDefined();
    await store.clearPendingSignIn(API, 42);
    expect(await store.readPendingSignIn(API)).toBeUndefined();
    await store.write(API, credential());
    await store.remove(API);
    expect(await store.read(API)).toBeUndefined();
    expect(await store.readRegistration('http://issuer')).toBeDefined();
  });

  it('the lock serializes read-modify-write across processes: no lost update', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const script = `
      import { StoreFileIO } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/file-store.ts'))};
      const io = new StoreFileIO(${JSON.stringify(dir)}, { debug() {}, info() {}, warn() {}, error() {} });
      for (let i = 0; i < 10; i++) {
        await io.update((c) => {
          const n = (c.registrations.count?.registered_at ?? 0) + 1;
          c.registrations.count = { client_id: 'n', registered_at: n };
        });
      }`;
    const run = promisify(execFile);
    await Promise.all(
      Array.from({ length: 8 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: process.cwd(),
        }),
      ),
    );
    const io = new StoreFileIO(dir, quietLog().log);
    expect((await io.read()).registrations.count?.registered_at).toBe(80);
  }, 60_000);
});

describe('moving between storages', () => {
  it('file → keychain: the token moves to the keychain and leaves the file', async () => {
    const root = await tmp();
    const vault = memoryVault();
    const fileStore = await openStore({ root, client: 'c', storage: 'file', log: quietLog().log });
    await fileStore.write(API, credential());
    const keyStore = await openStore({ root, client: 'c', storage: 'keychain', log: quietLog().log, vault });
    expect(keyStore.storage).toBe('keychain');
    expect(await keyStore.read(API)).toMatchObject({ access_token: 'access-1', refresh_token: 'refresh-1' });
    const onDisk = readFileSync(keyStore.file, 'utf8');
    expect(onDisk).not.toContain('access-1');
    expect(onDisk).not.toContain('refresh-1');
    expect(JSON.parse(onDisk).credentials[API].storage).toBe('keychain');
    expect(vault.entries.get(`c|${API}`)).toEqual({ access_token: 'access-1', refresh_token: 'refresh-1' });
  });

  it('keychain → file: the token comes back to the file and the entry is deleted', async () => {
    const root = await tmp();
    const vault = memoryVault();
    const keyStore = await openStore({ root, client: 'c', storage: 'keychain', log: quietLog().log, vault });
    await keyStore.write(API, credential(2));
    const fileStore = await openStore({ root, client: 'c', storage: 'file', log: quietLog().log, vault });
    expect(await fileStore.read(API)).toMatchObject({ access_token: 'access-2' });
    expect(readFileSync(fileStore.file, 'utf8')).toContain('access-2');
    expect(vault.entries.size).toBe(0);
  });

  it('keychain storage without a keychain fails clearly; auto falls back with one line', async () => {
    const root = await tmp();
    const broken: TokenVault = {
      get: async () => {
        throw new Error('no secret service');
      },
      set: async () => {
        throw new Error('no secret service');
      },
      delete: async () => {},
    };
    await expect(
      openStore({ root, client: 'c', storage: 'keychain', log: quietLog().log, vault: broken }),
    ).rejects.toThrow(/no usable OS keychain.*--storage file/);
    const { lines, log } = quietLog();
    const store = await openStore({ root, client: 'c', storage: 'auto', log, vault: broken });
    expect(store.storage).toBe('file');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(store.file);
  });
});

it('StoreFileIO is re-entrant under its own lock', async () => {
  const io = new StoreFileIO(join(await tmp(), 'x'), quietLog().log);
  await io.withLock(() =>
    io.update((c) => {
      c.registrations.a = { client_id: 'a', registered_at: 1 };
    }),
  );
  expect((await io.read()).registrations.a).toBeDefined();
});
