// The credential store against a real Secret Service (GNOME Keyring on a private D-Bus session,
// from scripts/with-keychain.sh): where `auto` puts the tokens, moving between storages, no
// Secret Service at all, and a keychain that stops answering.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { keychainAccount } from '../../src/store/keychain.js';
import { openStore } from '../../src/store/open-store.js';
import type { LoadedCredential } from '../../src/store/types.js';
import { TSX_LOADER, tempDir } from '../helpers/mcp-server.js';
import { NO_BUS, requireKeychain, secretToolLookup, WITH_KEYCHAIN } from './keychain.js';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, 'fixtures/store-cli.ts');
const FIXTURE_RESOURCE = 'http://127.0.0.1:9/fixture-api';

// Per test, so that every case FAILS (not skips) without a keychain.
beforeEach(() => requireKeychain());

function credential(tag: string): LoadedCredential {
  const now = Math.floor(Date.now() / 1000);
  return {
    issuer: 'http://127.0.0.1:9',
    client_id: 'client-1',
    client_registered_dynamically: true,
    account: { email: 'ada@example.com', homePartition: 'us' },
    scope: 'sites:read',
    issued_at: now,
    expires_at: now + 3600,
    authorized_at: now,
    storage: 'file',
    access_token: `access-${tag}-${process.pid}-${now}`,
    refresh_token: `refresh-${tag}-${process.pid}-${now}`,
  };
}

function quietLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l), level: 'debug' }) };
}

const fileText = (file: string) => readFileSync(file, 'utf8');

async function fixture(args: string[], env: Record<string, string> = {}, wrap: string[] = []) {
  const argv = [...wrap, process.execPath, '--import', TSX_LOADER, FIXTURE, ...args];
  try {
    const { stdout, stderr } = await run(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...env },
      timeout: 45_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the real OS keychain (GNOME Keyring over the Secret Service)', () => {
  it('auto puts the token pair in the keychain and leaves no token in oauth.json', async () => {
    const root = tempDir();
    const client = `kc-auto-${process.pid}`;
    const { log } = quietLog();
    const store = await openStore({ root, client, storage: 'auto', log });
    expect(store.storage).toBe('keychain');
    const cred = credential('auto');
    await store.write(FIXTURE_RESOURCE, cred);

    const secret = await secretToolLookup(keychainAccount(client, FIXTURE_RESOURCE));
    expect(secret && JSON.parse(secret)).toEqual({
      access_token: cred.access_token,
      refresh_token: cred.refresh_token,
    });
    const text = fileText(store.file);
    expect(text).not.toContain(cred.access_token);
    expect(text).not.toContain(cred.refresh_token);
    expect(JSON.parse(text).credentials[FIXTURE_RESOURCE].storage).toBe('keychain');
    expect((await store.read(FIXTURE_RESOURCE))?.refresh_token).toBe(cred.refresh_token);

    await store.remove(FIXTURE_RESOURCE);
    expect(await secretToolLookup(keychainAccount(client, FIXTURE_RESOURCE))).toBeUndefined();
  });

  it('moves credentials file → keychain → file without losing them, and the old home keeps no copy', async () => {
    const root = tempDir();
    const client = `kc-move-${process.pid}`;
    const account = keychainAccount(client, FIXTURE_RESOURCE);
    const { log } = quietLog();
    const cred = credential('move');

    const asFile = await openStore({ root, client, storage: 'file', log });
    await asFile.write(FIXTURE_RESOURCE, cred);
    expect(fileText(asFile.file)).toContain(cred.refresh_token);
    expect(await secretToolLookup(account)).toBeUndefined();

    const asKeychain = await openStore({ root, client, storage: 'keychain', log });
    expect((await asKeychain.read(FIXTURE_RESOURCE))?.refresh_token).toBe(cred.refresh_token);
    expect(fileText(asKeychain.file)).not.toContain(cred.refresh_token);
    expect(fileText(asKeychain.file)).not.toContain(cred.access_token);
    expect(JSON.parse((await secretToolLookup(account))!).refresh_token).toBe(cred.refresh_token);

    const back = await openStore({ root, client, storage: 'file', log });
    expect((await back.read(FIXTURE_RESOURCE))?.refresh_token).toBe(cred.refresh_token);
    expect(fileText(back.file)).toContain(cred.refresh_token);
    expect(await secretToolLookup(account)).toBeUndefined();
  });

  it('with no Secret Service, auto falls back to the file with one stderr line, and keychain fails clearly', async () => {
    const root = tempDir();
    const env = {
      DBUS_SESSION_BUS_ADDRESS: NO_BUS,
      FIXTURE_ACCESS: 'fixture-access-no-bus',
      FIXTURE_REFRESH: 'fixture-refresh-no-bus',
    };
    const auto = await fixture(['write', root, 'kc-nobus', 'auto'], env);
    expect(auto.code, auto.stderr).toBe(0);
    const { storage, file } = JSON.parse(auto.stdout) as { storage: string; file: string };
    expect(storage).toBe('file');
    const lines = auto.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('No usable OS keychain');
    expect(lines[0]).toContain(file);
    expect(fileText(file)).toContain('fixture-refresh-no-bus');

    const strict = await fixture(['write', root, 'kc-nobus-strict', 'keychain'], env);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toMatch(/--storage keychain: no usable OS keychain/);
    expect(strict.stderr).toMatch(/Secret Service|--storage file/);
  });

  it('a keychain that stops answering (SIGSTOP) costs one bounded wait (≤ 3 s), then is not called again', async () => {
    // Its own private bus and daemon (a nested with-keychain.sh), so that stopping it does not
    // stall the other test files sharing this run's keyring.
    const result = await fixture(['hung', tempDir(), 'kc-hung'], {}, [WITH_KEYCHAIN]);
    expect(result.code, result.stderr).toBe(0);
    type Step = { ms: number; value?: string | null; error?: string };
    const r = JSON.parse(result.stdout) as Record<'before' | 'firstRead' | 'write' | 'secondRead', Step> & {
      storage: string;
    };
    expect(r.before.value).toBe('fixture-access-token-1');
    // The first call is cut off by the bound — our 3 s, or the Secret Service client's own ~2 s
    // D-Bus reply timeout, whichever comes first — and the keychain becomes unavailable, with one
    // warning. The read fails naming the fix: "signed out" would mean a new sign-in into the file,
    // stranding the grant whose tokens the keychain holds.
    expect(r.firstRead.error).toMatch(/cannot reach .*Not signing in again.*--storage file/);
    expect(r.firstRead.ms).toBeGreaterThanOrEqual(1500);
    // A hang guard with room for a loaded machine (the helper had started already).
    expect(r.firstRead.ms).toBeLessThan(10_000);
    expect(result.stderr).toMatch(/keychain unavailable: the OS keychain did not answer/);
    // Afterwards the keychain is not called again: no more waiting (a call would wait out the
    // bound again; below that, room for a loaded machine). Under auto the store falls back to
    // the file, so the new sign-in's tokens are kept rather than lost.
    expect(r.storage).toBe('file');
    expect(r.write.error).toBeUndefined();
    expect(r.write.ms).toBeLessThan(2500);
    expect(r.secondRead.value).toBe('fixture-access-token-2');
    expect(r.secondRead.ms).toBeLessThan(2500);
  });
});
