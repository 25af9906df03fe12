// statMany: the stats of many files in order, synchronously in slices or (for a slow disk, made
// here by thresholds of zero) through the thread pool, and a failure named by its index either way.
import { promises as fs, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statMany } from '../../src/deploy/stat-many.js';

const base = await fs.mkdtemp(join(tmpdir(), 'stat-many-'));
afterAll(() => fs.rm(base, { recursive: true, force: true }));
const paths: string[] = [];
for (let i = 0; i < 150; i++) {
  paths.push(join(base, `f${i}`));
  await fs.writeFile(join(base, `f${i}`), 'x'.repeat(i));
}
const fail = (i: number, err: unknown) => new Error(`#${i}: ${(err as NodeJS.ErrnoException).code}`);
const fields = (st: { size: bigint; ino: bigint; mtimeNs: bigint }) => [st.size, st.ino, st.mtimeNs];

describe('statMany', () => {
  for (const [what, opts] of [
    ['in synchronous slices', {}],
    ['through the thread pool after a slow first slice', { sliceMs: 0, slowStatMs: 0 }],
    ['in many tiny slices', { sliceMs: 0 }],
  ] as const) {
    it(`answers every file's bigint stats in order, ${what}`, async () => {
      const stats = await statMany(paths, fail, opts);
      expect(stats.map(fields)).toEqual(paths.map((p) => fields(statSync(p, { bigint: true }))));
    });

    it(`names the file that failed, ${what}`, async () => {
      const withGone = [...paths.slice(0, 100), join(base, 'gone'), ...paths.slice(100)];
      await expect(statMany(withGone, fail, opts)).rejects.toThrow('#100: ENOENT');
    });
  }

  it('answers nothing for no paths', async () => {
    expect(await statMany([], fail)).toEqual([]);
  });
});
