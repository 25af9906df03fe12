// Hashing reads through one reused buffer: a 100 MiB (sparse) file hashes to what sha256sum says
// while the process's resident memory stays flat, any buffer size gives the same digest; and the
// bounded pool never runs more than its limit.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile, hashFiles } from '../../src/deploy/hash.js';
import { mapLimit } from '../../src/deploy/pool.js';

const base = await fs.mkdtemp(join(tmpdir(), 'deploy-hash-'));
afterAll(() => fs.rm(base, { recursive: true, force: true }));

const MiB = 1024 * 1024;

describe('hashFile', () => {
  it('hashes a 100 MiB sparse file as sha256sum does, with flat RSS', async () => {
    const big = join(base, 'big.bin');
    execFileSync('truncate', ['-s', String(100 * MiB), big]);
    // A few non-zero bytes, so the digest is not that of plain zeros by luck.
    const fh = await fs.open(big, 'r+');
    await fh.write(Buffer.from('hostsmith'), 0, 9, 50 * MiB);
    await fh.close();
    const expected = execFileSync('sha256sum', [big], { encoding: 'utf8' }).split(' ')[0];

    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const { sha256, size } = await hashFile(big);
    const ms = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(sha256).toBe(expected);
    expect(size).toBe(100 * MiB);
    const growth = (peak - before) / MiB;
    process.stderr.write(
      `deploy-hash: 100 MiB in ${ms.toFixed(0)} ms (${((100 * 1000) / ms).toFixed(0)} MiB/s); RSS ${(before / MiB).toFixed(0)} MiB -> peak ${(peak / MiB).toFixed(0)} MiB (+${growth.toFixed(1)} MiB)\n`,
    );
    // Reading the file whole would add at least 100 MiB, a fresh buffer per read 20-40 MiB of
    // garbage; one reused buffer adds next to nothing.
    expect(growth).toBeLessThan(16);
  });

  it('hashFiles keeps order and hashes each file', async () => {
    const files = [];
    for (let i = 0; i < 10; i++) {
      const p = join(base, `f${i}.txt`);
      await fs.writeFile(p, `file ${i}\n`);
      files.push({ path: `f${i}.txt`, source: p, size: 7 });
    }
    const seen: string[] = [];
    const hashed = await hashFiles(files, { concurrency: 3, onHashed: (f) => seen.push(f.path) });
    expect(hashed.map((f) => f.path)).toEqual(files.map((f) => f.path));
    for (const f of hashed) {
      expect(f.sha256).toBe(execFileSync('sha256sum', [f.source], { encoding: 'utf8' }).split(' ')[0]);
      expect(f.cached).toBe(false);
    }
    expect(seen.sort()).toEqual(files.map((f) => f.path).sort());
  });

  it('hashes through a buffer smaller than the file, chunk after chunk, as sha256sum does', async () => {
    const p = join(base, 'chunks.bin');
    // 1,000 bytes through a 7-byte buffer: 142 full reads and a short one, none at a boundary.
    await fs.writeFile(p, Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) % 256)));
    const expected = execFileSync('sha256sum', [p], { encoding: 'utf8' }).split(' ')[0];
    const small = Buffer.alloc(7);
    expect(await hashFile(p, small)).toMatchObject({ sha256: expected, size: 1000 });
    // A size that is a whole number of buffers, and an empty file.
    await fs.writeFile(p, Buffer.alloc(700, 1));
    const whole = execFileSync('sha256sum', [p], { encoding: 'utf8' }).split(' ')[0];
    expect(await hashFile(p, small)).toMatchObject({ sha256: whole, size: 700 });
    await fs.writeFile(p, '');
    expect((await hashFile(p, small)).sha256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it("gives the file's stamp when it held still, for the digest cache", async () => {
    const p = join(base, 'still.txt');
    await fs.writeFile(p, 'still');
    const st = await fs.stat(p, { bigint: true });
    expect((await hashFile(p)).stamp).toEqual({
      size: st.size,
      mtimeNs: st.mtimeNs,
      ino: st.ino,
      dev: st.dev,
    });
  });

  it('a file that vanished fails the hash', async () => {
    await expect(hashFile(join(base, 'gone'))).rejects.toThrow(/ENOENT/);
  });
});

describe('mapLimit', () => {
  it('never has more than the limit in flight, and stops starting work after a failure', async () => {
    let active = 0;
    let max = 0;
    const started: number[] = [];
    const work = (fail: number | null) => async (i: number) => {
      started.push(i);
      active += 1;
      max = Math.max(max, active);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      active -= 1;
      if (i === fail) throw new Error(`boom ${i}`);
      return i * 2;
    };
    const items = Array.from({ length: 40 }, (_, i) => i);
    expect(await mapLimit(items, 6, work(null))).toEqual(items.map((i) => i * 2));
    expect(max).toBe(6);
    started.length = 0;
    await expect(mapLimit(items, 6, work(3))).rejects.toThrow('boom 3');
    expect(started.length).toBeLessThan(20);
    expect(active).toBe(0);
  });
});
