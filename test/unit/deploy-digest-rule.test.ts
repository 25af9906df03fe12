// The digest cache's trust rule, on made-up stamps and times: an entry stands for a file only
// with the same size, mtime (ns), inode and device, and only if that mtime lies more than 2 s
// before the moment it was recorded (git's "racily clean" rule).
import { describe, expect, it } from 'vitest';
import {
  type DigestEntry,
  type FileStamp,
  isTrusted,
  RACY_WINDOW_NS,
  sameStamp,
  stampOf,
  wallClockNs,
} from '../../src/deploy/digest-rule.js';

const S = 1_000_000_000n;
const stamp: FileStamp = { size: 1234n, mtimeNs: 1_700_000_000n * S + 123_456_789n, ino: 42n, dev: 2049n };
const recordedAfter = (ns: bigint): DigestEntry => ({
  ...stamp,
  sha256: 'a'.repeat(64),
  recordedNs: stamp.mtimeNs + ns,
});

describe('isTrusted', () => {
  it('trusts an entry recorded more than 2 s after the mtime, for the same stamp', () => {
    expect(isTrusted(recordedAfter(RACY_WINDOW_NS + 1n), stamp)).toBe(true);
    expect(isTrusted(recordedAfter(3600n * S), { ...stamp })).toBe(true);
  });

  it('never trusts one recorded within 2 s of the mtime, or before it', () => {
    for (const gap of [RACY_WINDOW_NS, RACY_WINDOW_NS - 1n, S, 1n, 0n, -1n, -60n * S]) {
      expect(isTrusted(recordedAfter(gap), stamp), `recorded ${gap} ns after the mtime`).toBe(false);
    }
  });

  it('never trusts one whose size, mtime, inode or device differ', () => {
    const entry = recordedAfter(60n * S);
    expect(isTrusted(entry, { ...stamp, size: stamp.size + 1n })).toBe(false);
    // One nanosecond apart is another version, though the ms-rounded mtimes agree.
    expect(isTrusted(entry, { ...stamp, mtimeNs: stamp.mtimeNs + 1n })).toBe(false);
    expect(isTrusted(entry, { ...stamp, mtimeNs: stamp.mtimeNs - S })).toBe(false);
    expect(isTrusted(entry, { ...stamp, ino: 43n })).toBe(false);
    expect(isTrusted(entry, { ...stamp, dev: 2050n })).toBe(false);
  });
});

describe('stamps', () => {
  it('take exactly size, mtimeNs, ino and dev from bigint stats', () => {
    const st = { ...stamp, ctimeNs: 5n, atimeNs: 6n, mode: 0o100644n };
    expect(stampOf(st)).toEqual(stamp);
    expect(sameStamp(stampOf(st), stamp)).toBe(true);
  });

  it('the wall clock is never ahead of Date.now (the safe side of the rule)', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const now = wallClockNs();
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(now >= before && now <= after).toBe(true);
  });
});
