// oauth.json itself: modes, atomic writes, the schema, corrupt files set aside, the lock.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreFileIO } from '../../src/store/file-store.js';
import { LockOwnerSchema } from '../../src/store/lock-owner.js';
import { openStore } from '../../src/store/open-store.js';
import { StoreFileSchema } from '../../src/store/types.js';

const API = 'http://127.0.0.1:8787';
const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-file-'));

function capture() {
  const lines: string[] = [];
  // The store's debug phase lines (what the crash-mid-write row kills on) are not what is counted here.
  const write = (l: string) => {
    if (!l.includes('debug: store: ')) lines.push(l);
  };
  return { lines, log: createLogger({ write, level: 'debug' }) };
}

const credential = {
  issuer: 'http://127.0.0.1:8788',
  client_id: 'client-1',
  client_registered_dynamically: true,
  account: { email: 'ada@example.com', homePartition: 'eu' as const },
  scope: 'sites:read sites:write',
  issued_at: 1_900_000_000,
  expires_at: 1_900_003_600,
  authorized_at: 1_899_000_000,
  storage: 'file' as const,
  access_token: 'access-token-one',
  refresh_token: 'refresh-token-one',
};

const corruptFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('oauth.json.corrupt-'));

describe('modes', () => {
  it('writes the file 0600 in a 0700 folder, whatever the umask', async () => {
    const root = await tmp();
    const old = process.umask(0o000);
    try {
      const store = await openStore({ root, client: 'claude-ai', storage: 'file', log: capture().log });
      await store.write(API, credential);
      expect(statSync(store.file).mode & 0o777).toBe(0o600);
      expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });

  it('tightens an existing folder and file that are too open', async () => {
    const root = await tmp();
    const io = new StoreFileIO(join(root, 'c/hostsmith'), capture().log);
    mkdirSync(io.dir, { recursive: true, mode: 0o755 });
    chmodSync(io.dir, 0o755);
    writeFileSync(io.file, '{"version": 1}', { mode: 0o644 });
    await io.update((c) => {
      c.registrations.x = { client_id: 'x', registered_at: 1 };
    });
    expect(statSync(io.dir).mode & 0o777).toBe(0o700);
    expect(statSync(io.file).mode & 0o777).toBe(0o600);
  });
});

describe('the format', () => {
  it('is version 1 with credentials keyed by resource, OAuth field names, and no other API', async () => {
    const root = await tmp();
    const store = await openStore({ root, client: 'c', storage: 'file', log: capture().log });
    await store.write(API, credential);
    await store.write('https://api.other.example', { ...credential, access_token: 'other-access-token' });
    const json = JSON.parse(readFileSync(store.file, 'utf8'));
    expect(json.version).toBe(1);
    expect(json.credentials[API]).toEqual(credential);
    expect(Object.keys(json)).toEqual(['version', 'credentials', 'registrations', 'pending_sign_ins']);
    expect((await store.read(API))?.access_token).toBe('access-token-one');
    expect((await store.read('https://api.other.example'))?.access_token).toBe('other-access-token');
    expect((await store.resources()).sort()).toEqual([API, 'https://api.other.example']);
  });

  it('fills absent maps with their defaults and rejects what breaks the contract', () => {
    expect(StoreFileSchema.parse({ version: 1 })).toEqual({
      version: 1,
      credentials: {},
      registrations: {},
      pending_sign_ins: {},
    });
    const bad = [
      { version: 2 },
      { version: '1' },
      { version: 1, credentials: { [API]: { ...credential, storage: 'cloud' } } },
      { version: 1, credentials: { [API]: { ...credential, expires_at: 'soon' } } },
      { version: 1, credentials: { [API]: { ...credential, issuer: 'not a url' } } },
      { version: 1, credentials: { [API]: { ...credential, account: { email: 'a', homePartition: 'ap' } } } },
      { version: 1, registrations: { i: { client_id: '', registered_at: 1 } } },
      { version: 1, pending_sign_ins: { [API]: { url: 'x', pid: 1, started_at: 1, expires_at: 2 } } },
    ];
    for (const value of bad)
      expect(StoreFileSchema.safeParse(value).success, JSON.stringify(value)).toBe(false);
  });

  it('round-trips registrations per issuer and pending sign-ins per resource', async () => {
    const root = await tmp();
    const store = await openStore({ root, client: 'c', storage: 'file', log: capture().log });
    const registration = { client_id: 'dyn-1', registered_at: 5, redirect_uris: ['http://127.0.0.1/cb'] };
    await store.writeRegistration('http://issuer-a', registration);
    await store.writeRegistration('http://issuer-b', { client_id: 'dyn-2', registered_at: 6 });
    const pending = { url: 'http://127.0.0.1:1/authorize?x=1', pid: 4242, started_at: 10, expires_at: 610 };
    await store.writePendingSignIn(API, pending);
    await store.write(API, credential);

    // A second store on the same folder (another process, in effect) sees all of it.
    const other = await openStore({ root, client: 'c', storage: 'file', log: capture().log });
    expect(await other.readRegistration('http://issuer-a')).toEqual(registration);
    expect(await other.readPendingSignIn(API)).toEqual(pending);
    expect(await other.readPendingSignIn('https://elsewhere')).toBeUndefined();

    await other.clearPendingSignIn(API, 1); // someone else's marker: kept
    expect(await store.readPendingSignIn(API)).toEqual(pending);
    await other.clearPendingSignIn(API);
    expect(await store.readPendingSignIn(API)).toBeUndefined();
    await other.removeRegistration('http://issuer-a');
    expect(await store.readRegistration('http://issuer-a')).toBeUndefined();
    expect(await store.readRegistration('http://issuer-b')).toMatchObject({ client_id: 'dyn-2' });
    await other.remove(API);
    expect(await store.read(API)).toBeUndefined();
    expect(await store.readRegistration('http://issuer-b')).toBeDefined();
  });
});

describe('atomic writes', () => {
  it('a reader never sees a partial file, even when the writer is killed mid-run', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const io = new StoreFileIO(dir, capture().log);
    await io.write({ version: 1, credentials: {}, registrations: {}, pending_sign_ins: {} });
    // A writer that rewrites a ~300 KB file as fast as it can until it is killed.
    const script = `
      import { StoreFileIO } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/file-store.ts'))};
      const io = new StoreFileIO(${JSON.stringify(dir)}, { debug() {}, info() {}, warn() {}, error() {} });
      for (let n = 0; ; n++) {
        const registrations = {};
        for (let i = 0; i < 2000; i++) registrations['http://issuer-' + i] = { client_id: 'c'.repeat(80), registered_at: n };
        await io.write({ version: 1, credentials: {}, registrations, pending_sign_ins: {} });
        if (n === 0) process.stdout.write('writing\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    let reads = 0;
    const seen = new Set<number>();
    // Read until the file has changed under the reader a few times (bounded, for a loaded machine).
    const until = Date.now() + 15_000;
    while ((reads < 50 || seen.size < 4) && Date.now() < until) {
      const parsed = StoreFileSchema.parse(JSON.parse(readFileSync(io.file, 'utf8')));
      seen.add(parsed.registrations['http://issuer-0']?.registered_at ?? -1);
      reads++;
      await sleep(2);
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(reads).toBeGreaterThanOrEqual(50);
    expect(seen.size).toBeGreaterThanOrEqual(4); // the file really changed under the reader
    // The killed writer held the lock (or had just let it go) and may have left a temp file with
    // the newest content: the next store to open takes the dead holder's lock at once, recovers
    // or deletes the temp file, and says so.
    const heldAtKill = existsSync(io.lockPath);
    const { lines, log } = capture();
    const next = new StoreFileIO(dir, log);
    await next.update(() => {});
    expect(Object.keys((await next.read()).registrations)).toHaveLength(2000);
    expect(corruptFiles(dir)).toEqual([]);
    // Nothing else is left but, at most, the killed writer's lock draft cut short while its owner
    // record was being written (it holds no secret): unreadable, it is judged by its age and goes
    // after the stale time. A draft with a whole record names a gone owner and is removed at once.
    const draft = new RegExp(`^oauth\\.json\\.lock\\.new-${child.pid}-[0-9a-f]+$`);
    const left = readdirSync(dir).filter((name) => name !== 'oauth.json');
    for (const name of left) {
      expect(name).toMatch(draft);
      expect(() => LockOwnerSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8')))).toThrow();
    }
    expect(left.length).toBeLessThanOrEqual(1);
    if (heldAtKill) expect(lines.join('')).toMatch(/Took over the lock .*no longer running/);
    expect(lines.join('')).not.toMatch(/has not touched it/); // never the stale wait
  }, 30_000);
});

describe('a corrupt file', () => {
  it.each([
    ['not JSON', '{"version": 1, "credentials": {'],
    ['empty', ''],
    ['an unknown version', '{"version": 2, "credentials": {}}'],
    ['a credential missing its issuer', `{"version": 1, "credentials": {"${API}": {"client_id": "x"}}}`],
  ])('%s: set aside, reported once, read as signed out, and a new sign-in can be saved', async (_w, text) => {
    const root = await tmp();
    const { lines, log } = capture();
    const store = await openStore({ root, client: 'c', storage: 'file', log });
    mkdirSync(store.dir, { recursive: true, mode: 0o700 });
    writeFileSync(store.file, text, { mode: 0o600 }); // right modes: the one line is the setting aside
    expect(await store.read(API)).toBeUndefined();
    expect(await store.readRegistration('http://issuer')).toBeUndefined();
    expect(existsSync(store.file)).toBe(false);
    const aside = corruptFiles(store.dir);
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(store.dir, aside[0]!), 'utf8')).toBe(text); // kept for the person to look at
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(store.file);
    expect(lines[0]).toContain(aside[0]);
    expect(lines[0]).toMatch(/sign in again/);
    await store.write(API, credential);
    expect((await store.read(API))?.refresh_token).toBe('refresh-token-one');
    expect(lines).toHaveLength(1);
  });

  it('is not set aside when another process replaced it with a good one in the meantime', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const { lines, log } = capture();
    const holder = new StoreFileIO(dir, capture().log);
    const reader = new StoreFileIO(dir, log);
    // Called once the reader has found garbage: from then on it queues behind the holder.
    const queued = vi.spyOn(reader, 'withLock');
    await holder.ensureDir();
    writeFileSync(holder.file, 'garbage', { mode: 0o600 });
    let readerDone: Promise<unknown> | undefined;
    await holder.withLock(async () => {
      // The reader finds garbage and queues for the lock; the holder then fixes the file.
      readerDone = reader.read();
      await vi.waitFor(() => expect(queued).toHaveBeenCalled(), { timeout: 30_000 });
      await holder.write({
        version: 1,
        credentials: {},
        registrations: { i: { client_id: 'good', registered_at: 1 } },
        pending_sign_ins: {},
      });
    });
    expect(await readerDone).toMatchObject({ registrations: { i: { client_id: 'good' } } });
    expect(corruptFiles(dir)).toEqual([]);
    expect(lines).toEqual([]);
  });
});

describe('the lock', () => {
  it('breaks a stale lock left by a dead process', async () => {
    const { lines, log } = capture();
    const io = new StoreFileIO(join(await tmp(), 'c/hostsmith'), log);
    await io.ensureDir();
    mkdirSync(io.lockPath);
    const old = new Date(Date.now() - 30_000);
    utimesSync(io.lockPath, old, old);
    const start = Date.now();
    await io.update((c) => {
      c.registrations.i = { client_id: 'i', registered_at: 1 };
    });
    // Taken over by its age at once: a hang guard well below the 10 s a second stale wait would take.
    expect(Date.now() - start).toBeLessThan(8000);
    expect(lines.join('')).toMatch(/Took over the lock .*has not touched it for \d+ s/);
    expect(existsSync(io.lockPath)).toBe(false);
  });

  it('waits for a live lock instead of breaking it', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const a = new StoreFileIO(dir, capture().log);
    await a.ensureDir();
    mkdirSync(a.lockPath); // fresh: held by someone alive
    setTimeout(() => rmSync(a.lockPath, { recursive: true }), 400);
    const start = Date.now();
    await a.update(() => {});
    expect(Date.now() - start).toBeGreaterThanOrEqual(350);
  });

  it('a lock lost while held is reported, not thrown', async () => {
    const { lines, log } = capture();
    const io = new StoreFileIO(join(await tmp(), 'c/hostsmith'), log);
    const result = await io.withLock(async () => {
      rmSync(io.lockPath, { recursive: true });
      // The lock's 2 s refresh finds it gone and says so while it is still held.
      await vi.waitFor(() => expect(lines.join('')).toMatch(/lock on .* was lost/), { timeout: 30_000 });
      return 'finished';
    });
    expect(result).toBe('finished');
    expect(lines.join('').match(/was lost/g)).toHaveLength(1);
  });

  it('is re-entrant, and concurrent holders in one process take turns in order', async () => {
    const io = new StoreFileIO(join(await tmp(), 'c/hostsmith'), capture().log);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        io.withLock(async () => {
          const c = await io.read();
          order.push(i);
          c.registrations.n = { client_id: 'n', registered_at: (c.registrations.n?.registered_at ?? 0) + 1 };
          await io.update((again) => {
            again.registrations.inner = { client_id: 'inner', registered_at: i };
          });
          const after = await io.read();
          c.registrations.inner = after.registrations.inner!;
          await io.write(c);
        }),
      ),
    );
    const final = await io.read();
    expect(final.registrations.n?.registered_at).toBe(40);
    expect(final.registrations.inner?.registered_at).toBe(39);
    // Strict arrival order: the holders queued in process, none polled the lock file for its turn
    // (polling would let them in out of order). How long it takes belongs in bench/, not here.
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
