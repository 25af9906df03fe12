// The digest cache's file: remembered across opens, written 0600 and atomically only when
// something was recorded, trimmed to its bound (least recently used first), and anything wrong
// with it — corrupt, a link, a folder in its place, an unwritable folder — is an empty cache,
// never a failure. And hashFiles with a cache: a trusted entry's file is not read, a racy one is.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DigestCache, openDigestCache } from '../../src/deploy/digest-cache.js';
import { type DigestEntry, type FileStamp, stampOf } from '../../src/deploy/digest-rule.js';
import { hashFiles } from '../../src/deploy/hash.js';

const base = await fs.mkdtemp(join(tmpdir(), 'digest-cache-'));
afterAll(() => fs.rm(base, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(base, `c${n++}`, 'deploy-digests.json');

const S = 1_000_000_000n;
const stamp = (ino: bigint): FileStamp => ({ size: 10n, mtimeNs: 1_000n * S, ino, dev: 1n });
const entry = (ino: bigint, recordedAfter = 60n * S): DigestEntry => ({
  ...stamp(ino),
  sha256: ino.toString(16).padStart(64, '0'),
  recordedNs: 1_000n * S + recordedAfter,
});

describe('openDigestCache', () => {
  it('remembers recorded entries across opens, in a 0600 file', async () => {
    const file = freshFile();
    const cache = await openDigestCache(file);
    cache.record('/site/a.html', entry(1n));
    cache.record('/site/b.html', entry(2n, S)); // racy: recorded 1 s after its mtime
    await cache.save();
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);

    const again = await openDigestCache(file);
    expect(again.lookup('/site/a.html', stamp(1n))).toBe(entry(1n).sha256);
    expect(again.lookup('/site/a.html', { ...stamp(1n), size: 11n })).toBeUndefined();
    expect(again.lookup('/site/a.html', { ...stamp(1n), mtimeNs: stamp(1n).mtimeNs + 1n })).toBeUndefined();
    expect(again.lookup('/site/a.html', { ...stamp(1n), ino: 9n })).toBeUndefined();
    expect(again.lookup('/site/a.html', { ...stamp(1n), dev: 9n })).toBeUndefined();
    expect(again.lookup('/site/b.html', stamp(2n))).toBeUndefined();
    expect(again.lookup('/site/c.html', stamp(3n))).toBeUndefined();
  });

  it('writes nothing when nothing was recorded', async () => {
    const file = freshFile();
    const cache = await openDigestCache(file);
    expect(cache.lookup('/x', stamp(1n))).toBeUndefined();
    await cache.save();
    await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);

    const filled = await openDigestCache(file);
    filled.record('/x', entry(1n));
    await filled.save();
    const written = (await fs.stat(file, { bigint: true })).mtimeNs;
    const reopened = await openDigestCache(file);
    expect(reopened.lookup('/x', stamp(1n))).toBeDefined();
    await reopened.save();
    expect((await fs.stat(file, { bigint: true })).mtimeNs).toBe(written);
  });

  it('keeps at most maxEntries, the ones used most recently', async () => {
    const file = freshFile();
    let now = 1_000;
    const open = () => openDigestCache(file, { maxEntries: 3, nowMs: () => now });
    const first = await open();
    for (const ino of [1n, 2n, 3n]) first.record(`/f${ino}`, entry(ino));
    await first.save();

    now = 2_000;
    const second = await open();
    expect(second.lookup('/f1', stamp(1n))).toBeDefined(); // used again: kept
    second.record('/f4', entry(4n));
    await second.save();

    const third = await open();
    const found = [1n, 2n, 3n, 4n].filter((ino) => third.lookup(`/f${ino}`, stamp(ino)) !== undefined);
    // f1 (used again) and f4 (new) are kept; one of f2 and f3, used only at the first save, goes.
    expect(found).toHaveLength(3);
    expect(found).toContain(1n);
    expect(found).toContain(4n);
    const text = JSON.parse(await fs.readFile(file, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(text.entries)).toHaveLength(3);
  });

  it('a corrupt, foreign or half-valid file is an empty cache, replaced on the next save', async () => {
    for (const text of [
      '{"version":1,"entries":{"/a":["zz","1","2","3","4","5",6]}}',
      '{"version":2,"entries":{}}',
      '{"version":1,"entr',
      '\u0000\u0001binary',
      '[]',
    ]) {
      const file = freshFile();
      await fs.mkdir(join(file, '..'), { recursive: true });
      await fs.writeFile(file, text);
      const cache = await openDigestCache(file);
      expect(cache.lookup('/a', stamp(1n))).toBeUndefined();
      cache.record('/a', entry(1n));
      await cache.save();
      expect((await openDigestCache(file)).lookup('/a', stamp(1n))).toBe(entry(1n).sha256);
    }
  });

  it('is never read through a link, and a folder in its place or an unwritable spot fails nothing', async () => {
    const real = freshFile();
    const seeded = await openDigestCache(real);
    seeded.record('/a', entry(1n));
    await seeded.save();
    const link = freshFile();
    await fs.mkdir(join(link, '..'), { recursive: true });
    await fs.symlink(real, link);
    expect((await openDigestCache(link)).lookup('/a', stamp(1n))).toBeUndefined();

    const folder = freshFile();
    await fs.mkdir(folder, { recursive: true });
    const inFolder = await openDigestCache(folder);
    inFolder.record('/a', entry(1n));
    await expect(inFolder.save()).resolves.toBeUndefined();

    const blocker = join(base, `blocker${n++}`);
    await fs.writeFile(blocker, 'a file where the folder should be');
    const underFile = await openDigestCache(join(blocker, 'deploy-digests.json'));
    underFile.record('/a', entry(1n));
    await expect(underFile.save()).resolves.toBeUndefined();
    // No temp file is left beside a failed write.
    expect((await fs.readdir(join(folder, '..'))).sort()).toEqual(['deploy-digests.json']);
  });
});

describe('hashFiles with a cache', () => {
  /** A cache that answers from a table, and records what it was told. */
  function tableCache(known: Map<string, string>): DigestCache & { recorded: Map<string, DigestEntry> } {
    const recorded = new Map<string, DigestEntry>();
    return {
      recorded,
      lookup: (path) => known.get(path),
      record: (path, e) => void recorded.set(path, e),
      save: async () => {},
    };
  }

  it('takes a trusted digest without reading, reads and records the rest with the clock before the read', async () => {
    const dir = join(base, `tree${n++}`);
    await fs.mkdir(dir);
    const files = [];
    for (const name of ['a.txt', 'b.txt']) {
      const source = join(dir, name);
      await fs.writeFile(source, `content of ${name}\n`);
      const st = await fs.stat(source, { bigint: true });
      files.push({ path: name, source, size: Number(st.size), stamp: stampOf(st) });
    }
    // The cache vouches for a.txt with a digest its bytes do not have: taken as is, unread.
    const cache = tableCache(new Map([[join(dir, 'a.txt'), 'f'.repeat(64)]]));
    const hashed = await hashFiles(files, { cache, clockNs: () => 77n });
    expect(hashed.map((f) => [f.path, f.cached])).toEqual([
      ['a.txt', true],
      ['b.txt', false],
    ]);
    expect(hashed[0]?.sha256).toBe('f'.repeat(64));
    expect([...cache.recorded.keys()]).toEqual([join(dir, 'b.txt')]);
    expect(cache.recorded.get(join(dir, 'b.txt'))).toMatchObject({
      ...files[1]?.stamp,
      sha256: hashed[1]?.sha256,
      recordedNs: 77n,
    });
  });

  it('a real cache re-reads a file rewritten at the same size with the same stamp, when recorded racily', async () => {
    const dir = join(base, `racy${n++}`);
    await fs.mkdir(dir);
    const source = join(dir, 'page.html');
    const walk = async () => {
      const st = await fs.stat(source, { bigint: true });
      return [{ path: 'page.html', source, size: Number(st.size), stamp: stampOf(st) }];
    };
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000); // a whole second: utimes keeps it exactly
    await fs.writeFile(source, 'version 1');
    await fs.utimes(source, mtime, mtime);
    const file = freshFile();
    const first = await openDigestCache(file);
    // Hashed 1 s after that mtime, whatever the load: racy by the 2 s rule.
    const hashedAt = BigInt(mtime.getTime()) * 1_000_000n + S;
    const [v1] = await hashFiles(await walk(), { cache: first, clockNs: () => hashedAt });
    await first.save();

    // Same size, same inode, and the mtime put back: only the racy rule tells the versions apart.
    await fs.writeFile(source, 'version 2');
    await fs.utimes(source, mtime, mtime);
    const [v2] = await hashFiles(await walk(), { cache: await openDigestCache(file) });
    expect(v2?.cached).toBe(false);
    expect(v2?.sha256).not.toBe(v1?.sha256);

    // The same file, last written a minute before it was hashed: trusted next time.
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(source, old, old);
    const third = await openDigestCache(file);
    await hashFiles(await walk(), { cache: third });
    await third.save();
    const [v3] = await hashFiles(await walk(), { cache: await openDigestCache(file) });
    expect(v3).toMatchObject({ cached: true, sha256: v2?.sha256 });
  });
});
