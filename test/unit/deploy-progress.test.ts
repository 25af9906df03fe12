// What a deploy says while it works: files and bytes done of the total, in units people read.
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  hashedLine,
  hashingLine,
  safe,
  throttled,
  uploadedLine,
} from '../../src/deploy/progress.js';

describe('deploy progress lines', () => {
  it('formats bytes in B, KiB, MiB and GiB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(40_000)).toBe('39.1 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5120.0 GiB');
  });

  it('say files and bytes of the total, and how many the cache spared', () => {
    const total = { files: 2000, bytes: 100 * 1024 * 1024 };
    expect(hashingLine({ files: 120, bytes: 12 * 1024 * 1024 }, total, 0)).toBe(
      'hashed 120/2000 files, 12.0 MiB of 100.0 MiB',
    );
    expect(hashingLine({ files: 120, bytes: 12 * 1024 * 1024 }, total, 100)).toBe(
      'hashed 120/2000 files, 12.0 MiB of 100.0 MiB (100 unchanged since the last deploy, not read)',
    );
    expect(hashedLine(total, 1980)).toBe(
      'hashed 2000 files, 100.0 MiB (1980 unchanged since the last deploy, not read)',
    );
    expect(hashedLine({ files: 3, bytes: 500 }, 0)).toBe('hashed 3 files, 500 B');
    expect(uploadedLine({ files: 3, bytes: 1536 }, { files: 7, bytes: 5 * 1024 * 1024 })).toBe(
      'uploaded 3/7 files, 1.5 KiB of 5.0 MiB',
    );
  });

  it('are sent at most every 200 ms but always at the end, and a failing sink fails nothing', async () => {
    const sent: string[] = [];
    const say = throttled(safe((m) => void sent.push(m)));
    const worded: string[] = [];
    const line = (m: string) => () => {
      worded.push(m);
      return m;
    };
    await say(line('a'), false);
    await say(line('b'), false); // within 200 ms of a: dropped, and never worded
    await say(line('c'), true);
    expect(sent).toEqual(['a', 'c']);
    expect(worded).toEqual(['a', 'c']);
    await expect(
      safe(() => {
        throw new Error('client gone');
      })('x'),
    ).resolves.toBeUndefined();
  });
});
