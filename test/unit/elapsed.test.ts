import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatElapsed, showElapsed } from '../../src/commands/shared/elapsed.js';

describe('formatElapsed', () => {
  it.each([
    [0, '0:00'],
    [999, '0:00'],
    [7_000, '0:07'],
    [65_000, '1:05'],
    [3_725_000, '1:02:05'],
    [-5, '0:00'],
  ])('%d ms → %s', (ms, shown) => expect(formatElapsed(ms)).toBe(shown));
});

describe('showElapsed', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('on a terminal: one line rewritten each second, erased when stopped', () => {
    const out: string[] = [];
    const stop = showElapsed({ write: (t) => out.push(t), isTTY: true, label: 'Waiting', limitSeconds: 300 });
    vi.advanceTimersByTime(2_000);
    stop();
    stop(); // twice is harmless
    vi.advanceTimersByTime(5_000);
    expect(out).toEqual([
      '\r\x1b[2KWaiting… 0:00 (up to 5:00)',
      '\r\x1b[2KWaiting… 0:01 (up to 5:00)',
      '\r\x1b[2KWaiting… 0:02 (up to 5:00)',
      '\r\x1b[2K',
    ]);
  });

  it('not a terminal: writes nothing', () => {
    const out: string[] = [];
    const stop = showElapsed({ write: (t) => out.push(t), isTTY: false, label: 'Waiting' });
    vi.advanceTimersByTime(3_000);
    stop();
    expect(out).toEqual([]);
  });
});
