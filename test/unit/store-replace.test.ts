// Replacing oauth.json while another program holds it open, as Windows answers then: rename
// fails with EPERM/EACCES/EBUSY. Node's real fs, wrapped so that rename fails on cue.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreError, StoreFileIO } from '../../src/store/file-store.js';
import { BUSY_DELAYS_MS, FileBusyError, type ReplaceFs, replaceFile } from '../../src/store/replace.js';
import type { StoreFile } from '../../src/store/types.js';

const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-replace-'));

/** Node's fs, but rename answers `code` for the first `failures` calls (Infinity: always). */
function lockedFs(code: string, failures: number) {
  const renames: Array<[string, string]> = [];
  const fs: ReplaceFs = {
    open: nodeFs.open,
    unlink: nodeFs.unlink,
    rename: async (from, to) => {
      renames.push([String(from), String(to)]);
      if (renames.length <= failures) {
        throw Object.assign(new Error(`${code}: operation not permitted, rename '${from}' -> '${to}'`), {
          code,
          syscall: 'rename',
        });
      }
      return nodeFs.rename(from, to);
    },
  };
  return { fs, renames };
}

const content = (marker: string): StoreFile => ({
  version: 1,
  credentials: {},
  registrations: { i: { client_id: marker, registered_at: 1 } },
  pending_sign_ins: {},
});

const quiet = createLogger({ write: () => {}, level: 'debug' });

describe('replaceFile', () => {
  it.each([
    'EPERM',
    'EACCES',
    'EBUSY',
  ])('retries %s and succeeds once the other program lets go', async (code) => {
    const dir = await tmp();
    const file = join(dir, 'oauth.json');
    writeFileSync(file, 'old');
    const { fs, renames } = lockedFs(code, 3);
    await replaceFile(file, 'new content', { fs });
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(renames).toHaveLength(4);
    expect(readdirSync(dir)).toEqual(['oauth.json']); // no temp file left behind
  });

  it('gives up after a bounded number of tries, in words; the old file is intact and the temp removed', async () => {
    const dir = await tmp();
    const file = join(dir, 'oauth.json');
    writeFileSync(file, 'old');
    const { fs, renames } = lockedFs('EPERM', Number.POSITIVE_INFINITY);
    const error = await replaceFile(file, 'new content', { fs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileBusyError);
    const text = (error as Error).message;
    expect(text).toContain(`Could not replace ${file}`);
    expect(text).toContain('EPERM');
    expect(text).toMatch(/another program most likely has the file open/i);
    expect(text).toMatch(/close that program or wait a moment, then try again/i);
    expect(renames).toHaveLength(BUSY_DELAYS_MS.length + 1);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['oauth.json']);
  });

  it('does not retry other errors, and still removes the temp file', async () => {
    const dir = await tmp();
    const file = join(dir, 'oauth.json');
    writeFileSync(file, 'old');
    const { fs, renames } = lockedFs('EXDEV', Number.POSITIVE_INFINITY);
    await expect(replaceFile(file, 'new', { fs })).rejects.toMatchObject({ code: 'EXDEV' });
    expect(renames).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['oauth.json']);
  });
});

describe('the store on a file another program holds open', () => {
  it('writes through a few EPERMs', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const { fs, renames } = lockedFs('EPERM', 2);
    const io = new StoreFileIO(dir, quiet, fs);
    await io.write(content('first'));
    await io.update((c) => {
      c.registrations.j = { client_id: 'second', registered_at: 2 };
    });
    expect(renames.length).toBe(4); // two refused, then each write's one rename
    expect((await io.read()).registrations).toMatchObject({
      i: { client_id: 'first' },
      j: { client_id: 'second' },
    });
  });

  it('fails a write in words when the file stays locked, keeping the previous content', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    await new StoreFileIO(dir, quiet).write(content('before'));
    const io = new StoreFileIO(dir, quiet, lockedFs('EBUSY', Number.POSITIVE_INFINITY).fs);
    const error = await io.write(content('after')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_WRITE_FAILED' });
    expect((error as Error).message).toContain(`Could not replace ${io.file}`);
    expect((error as Error).message).toMatch(/another program/i);
    expect((await io.read()).registrations.i?.client_id).toBe('before');
    expect(readdirSync(dir).filter((f) => f.startsWith('oauth.json.tmp'))).toEqual([]);
  });

  it('sets a corrupt file aside through a few EPERMs', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const lines: string[] = [];
    const io = new StoreFileIO(
      dir,
      createLogger({ write: (l) => lines.push(l), level: 'debug' }),
      lockedFs('EPERM', 2).fs,
    );
    await io.ensureDir();
    writeFileSync(io.file, 'garbage');
    expect(await io.read()).toEqual({ version: 1, credentials: {}, registrations: {}, pending_sign_ins: {} });
    expect(readdirSync(dir).filter((f) => f.startsWith('oauth.json.corrupt-'))).toHaveLength(1);
    expect(lines.join('')).toMatch(/set aside/);
  });

  it('a corrupt file that stays locked: the read fails in words and the file stays where it is', async () => {
    const dir = join(await tmp(), 'c/hostsmith');
    const io = new StoreFileIO(dir, quiet, lockedFs('EACCES', Number.POSITIVE_INFINITY).fs);
    await io.ensureDir();
    writeFileSync(io.file, 'garbage');
    const error = await io.read().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNREADABLE' });
    expect((error as Error).message).toContain(`Could not set aside ${io.file}`);
    expect((error as Error).message).toMatch(/another program/i);
    expect(readFileSync(io.file, 'utf8')).toBe('garbage');
    expect(readdirSync(dir).filter((f) => f.startsWith('oauth.json.corrupt-'))).toEqual([]);
  });
});
