// The benchmark floors are shared by every project of this kind: our copies must stay the same
// files, byte for byte, or the ratios stop meaning anything.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const candidates = [process.env.HOSTSMITH_SHARED_DIR, join(root, '../shared'), '/work/shared'].filter(
  (dir): dir is string => Boolean(dir),
);
const shared = candidates.find((dir) => existsSync(join(dir, 'bench/node-floor.mjs')));

describe('bench baselines', () => {
  it.each(['node-floor.mjs', 'minimal-sdk-server.mjs'])('%s matches shared/bench byte for byte', (file) => {
    expect(
      shared,
      `shared/bench not found in ${candidates.join(', ')}; set HOSTSMITH_SHARED_DIR`,
    ).toBeDefined();
    const ours = readFileSync(join(root, 'bench/baselines', file));
    const theirs = readFileSync(join(shared!, 'bench', file));
    expect(ours.equals(theirs)).toBe(true);
  });
});
