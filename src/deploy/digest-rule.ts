// When a remembered digest may stand for a file's bytes without reading them. Pure: stamps and
// times are parameters, so the rule is tested with made-up ones.
//
// A digest is remembered with the file's stamp (size, mtime in ns, inode, device) and the moment
// it was recorded. It stands only for a file whose stamp is the same now, and — git's "racily
// clean" rule — only if the file's mtime lies more than 2 s before that moment: a write that
// lands in the same timestamp tick as the one we saw (coarse clocks: FAT keeps 2 s, ext3 and
// HFS+ 1 s, network shares skew) leaves the stamp unchanged, so such an entry proves nothing.
import type { BigIntStats } from 'node:fs';

/** What identifies one version of a file without reading it. */
export interface FileStamp {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  dev: bigint;
}

export interface DigestEntry extends FileStamp {
  sha256: string;
  /** Wall clock (ns since the epoch), taken before the file was opened to hash it. */
  recordedNs: bigint;
}

/** The margin around a write that a stamp may not tell apart. */
export const RACY_WINDOW_NS = 2_000_000_000n;

export function stampOf(st: Pick<BigIntStats, 'size' | 'mtimeNs' | 'ino' | 'dev'>): FileStamp {
  return { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, dev: st.dev };
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.dev === b.dev;
}

/** Whether a digest recorded at `recordedNs` of a file last written at `mtimeNs` proves nothing. */
export function isRacy(recordedNs: bigint, mtimeNs: bigint): boolean {
  return recordedNs - mtimeNs <= RACY_WINDOW_NS;
}

/** Whether `entry` is the file whose stamp is `now`: same stamp, and not racily recorded. */
export function isTrusted(entry: DigestEntry, now: FileStamp): boolean {
  return sameStamp(entry, now) && !isRacy(entry.recordedNs, entry.mtimeNs);
}

/** Now, in ns since the epoch, never later than the true time (ms truncated): the safe side. */
export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
