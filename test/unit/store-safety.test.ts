// What the store refuses and corrects: a symlink as oauth.json, its temp files, its lock or the
// hostsmith folder (never followed, never written through, the target's mode never changed);
// modes wider than 0600/0700 (corrected on read and said once, not on Windows); and every
// failure a StoreError that names the path, what is wrong and what to do, logged on stderr.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreError, StoreFileIO } from '../../src/store/file-store.js';
import { openStore } from '../../src/store/open-store.js';

const API = 'http://127.0.0.1:8787';
const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-safety-'));

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l) }) };
}

const credential = {
  issuer: 'http://127.0.0.1:8788',
  client_id: 'client-1',
  client_registered_dynamically: true,
  scope: 'sites:read',
  expires_at: 1_900_003_600,
  authorized_at: 1_899_000_000,
  storage: 'file' as const,
  access_token: 'access-token-one',
  refresh_token: 'refresh-token-one',
};

const GOOD_JSON = '{"version": 1, "registrations": {"i": {"client_id": "linked", "registered_at": 1}}}';

/** A folder outside the store with one target file at 0644, to see it is never touched. */
async function outside(text: string) {
  const dir = await tmp();
  const target = join(dir, 'target');
  writeFileSync(target, text);
  chmodSync(target, 0o644);
  return target;
}

async function expectRefused(run: () => Promise<unknown>, path: string): Promise<StoreError> {
  const error = await run().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StoreError);
  const message = (error as Error).message;
  expect(message).toContain(path);
  expect(message).toMatch(/symbolic link/);
  expect(message).toMatch(/Remove the link|replace it/i);
  return error as StoreError;
}

describe('a symlink as oauth.json', () => {
  it.each([
    ['to a JSON store file', GOOD_JSON],
    ['to anything else', 'myhost\n'],
  ])('%s: refused on read and write; the target is never written nor its mode changed', async (_w, text) => {
    const root = await tmp();
    const target = await outside(text);
    const { lines, log } = capture();
    const store = await openStore({ root, client: 'c', storage: 'file', log });
    mkdirSync(store.dir, { recursive: true, mode: 0o700 });
    symlinkSync(target, store.file);
    const error = await expectRefused(() => store.read(API), store.file);
    expect(error.code).toBe('STORE_UNSAFE');
    await expectRefused(() => store.write(API, credential), store.file);
    await expectRefused(() => store.readRegistration('http://issuer'), store.file);
    expect(readFileSync(target, 'utf8')).toBe(text);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(lstatSync(store.file).isSymbolicLink()).toBe(true); // the link stays as the person made it
    expect(readdirSync(store.dir).filter((f) => f !== 'oauth.json' && f !== 'oauth.json.lock')).toEqual([]);
    expect(lines.join('')).toContain(store.file); // said on stderr at the default level
  });
});

describe('a symlink as the hostsmith folder', () => {
  it('is refused; the folder it points to keeps its mode and gets no file', async () => {
    const root = await tmp();
    const target = await tmp();
    chmodSync(target, 0o755);
    const store = await openStore({ root, client: 'c', storage: 'file', log: capture().log });
    mkdirSync(join(root, 'c'), { recursive: true });
    symlinkSync(target, store.dir);
    await expectRefused(() => store.write(API, credential), store.dir);
    await expectRefused(() => store.read(API), store.dir);
    expect(readdirSync(target)).toEqual([]);
    expect(statSync(target).mode & 0o777).toBe(0o755);
  });

  it('a symlinked ancestor (~/.config from a dotfile tool) is followed', async () => {
    const real = await tmp();
    const home = await tmp();
    symlinkSync(real, join(home, '.config'));
    const store = await openStore({
      root: join(home, '.config'),
      client: 'c',
      storage: 'file',
      log: capture().log,
    });
    await store.write(API, credential);
    expect((await store.read(API))?.refresh_token).toBe('refresh-token-one');
    expect(existsSync(join(real, 'c/hostsmith/oauth.json'))).toBe(true);
  });
});

describe('a symlink as the lock or a temp file', () => {
  it('a lock that is a link is refused, and its target is left alone', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const target = await outside('not a lock\n');
    const io = new StoreFileIO(dir, capture().log);
    await io.ensureDir();
    symlinkSync(target, io.lockPath);
    await expectRefused(() => io.update(() => {}), io.lockPath);
    expect(readFileSync(target, 'utf8')).toBe('not a lock\n');
    expect(existsSync(target)).toBe(true);
  });

  it('a link named like one of our temp files is removed, never written through', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const target = await outside(GOOD_JSON);
    const io = new StoreFileIO(dir, capture().log);
    await io.ensureDir();
    symlinkSync(target, `${io.file}.tmp-1-abcdef`);
    await io.update((c) => {
      c.registrations.mine = { client_id: 'mine', registered_at: 2 };
    });
    expect(readFileSync(target, 'utf8')).toBe(GOOD_JSON);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(['oauth.json']);
    expect(Object.keys((await io.read()).registrations)).toEqual(['mine']); // not recovered from a link
  });
});

describe('modes on read', () => {
  it('oauth.json at 0644 and the folder at 0755 are corrected on a read, and said once', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const { lines, log } = capture();
    const io = new StoreFileIO(dir, log, undefined, 'linux');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    writeFileSync(io.file, GOOD_JSON);
    chmodSync(io.file, 0o644);
    expect((await io.read()).registrations.i?.client_id).toBe('linked');
    expect(statSync(io.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const said = lines.join('');
    expect(said).toContain(io.file);
    expect(said).toMatch(/0644.*0600|0600.*0644/);
    expect(said).toMatch(/0755.*0700|0700.*0755/);
    const count = lines.length;
    chmodSync(io.file, 0o644);
    await io.read();
    expect(statSync(io.file).mode & 0o777).toBe(0o600); // corrected again: checked on every read
    expect(lines.length).toBe(count); // but said once
  });

  it('on Windows modes mean nothing: not checked, not changed, nothing said', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const { lines, log } = capture();
    const io = new StoreFileIO(dir, log, undefined, 'win32');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    writeFileSync(io.file, GOOD_JSON);
    chmodSync(io.file, 0o644);
    await io.read();
    expect(statSync(io.file).mode & 0o777).toBe(0o644);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(lines).toEqual([]);
  });
});

describe('failures in words', () => {
  it('a config folder the system will not let us create: a StoreError naming it and what to do, on stderr', async () => {
    const root = await tmp();
    // A file where a folder must go: mkdir fails for root too (EACCES needs a non-root user:
    // test/adversarial/store-damage.test.ts covers that one as nobody).
    writeFileSync(join(root, 'c'), 'a file, not a folder');
    const { lines, log } = capture();
    const store = await openStore({ root, client: 'c', storage: 'file', log });
    const error = await store.write(API, credential).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toContain(store.dir);
    expect(message).not.toMatch(/^E[A-Z]+:/); // not the raw system message
    expect(message).toMatch(/--config-dir/);
    expect(lines.join('')).toContain(message);
  });

  it('a folder nobody may write (EACCES): says whose permission and how to fix it', async () => {
    const { storeErrorFor } = await import('../../src/store/errors.js');
    const error = storeErrorFor(
      'create the folder',
      '/home/ada/.config/c/hostsmith',
      Object.assign(new Error("EACCES: permission denied, mkdir '/home/ada/.config/c'"), { code: 'EACCES' }),
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/^Cannot create the folder \/home\/ada\/\.config\/c\/hostsmith: /);
    expect(error.message).toMatch(/permission/i);
    expect(error.message).toMatch(/--config-dir/);
    expect(error.message).not.toMatch(/^EACCES/);
  });
});
