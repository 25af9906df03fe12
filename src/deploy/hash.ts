// sha256 of each file, read in chunks into one buffer per worker that is reused file after file:
// memory stays at `concurrency` buffers however large or many the files are, and the GC has no
// garbage to chase (a fresh 1 MiB stream buffer per file was a third of the CPU). A file the
// digest cache vouches for is not read at all.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { type DigestCache, NO_DIGEST_CACHE } from './digest-cache.js';
import { type FileStamp, sameStamp, stampOf, wallClockNs } from './digest-rule.js';
import { isPermissionError, permissionDenied } from './permission.js';
import { mapLimit } from './pool.js';
import type { LocalFile } from './walk.js';

export interface HashedFile extends LocalFile {
  sha256: string;
  /** true when the digest came from the cache and the file was not read. */
  cached: boolean;
}

/** Big enough that most site files are one read; small enough that a few are nothing. */
export const READ_BUFFER_BYTES = 256 * 1024;

export interface FileDigest {
  sha256: string;
  /** Bytes read. */
  size: number;
  /** The file's stamp when opened, if it was the same after the last byte (else undefined). */
  stamp?: FileStamp;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

/** Hashes one file through `buffer` (any size; one is allocated when none is given). */
export async function hashFile(
  path: string,
  buffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES),
  signal?: AbortSignal,
): Promise<FileDigest> {
  aborted(signal);
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const before = stampOf(await handle.stat({ bigint: true }));
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      // update() copies nothing and keeps no reference: the buffer is free for the next read.
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
      // A short read of a regular file is its end: spare the read that would answer 0.
      if (bytesRead < buffer.length && BigInt(size) >= before.size) break;
      aborted(signal);
    }
    const after = stampOf(await handle.stat({ bigint: true }));
    const steady = sameStamp(before, after) && BigInt(size) === after.size;
    return { sha256: hash.digest('hex'), size, ...(steady ? { stamp: before } : {}) };
  } finally {
    await handle.close();
  }
}

export interface HashOptions {
  /** Files hashed at once (disk reads overlap; the hashing itself is one core either way). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Digests remembered from earlier deploys; none by default. */
  cache?: DigestCache;
  /** Called after each file, read or found in the cache. */
  onHashed?: (file: HashedFile) => void;
  /** Whose help text a refused read gets; process.platform by default. */
  platform?: NodeJS.Platform;
  /** The wall clock in ns (tests); see digest-rule.ts. */
  clockNs?: () => bigint;
}

/**
 * Hashes every file, in order; `size` is what was read (a file may change after the walk). Files
 * whose walk stamp the cache trusts keep its digest; the others are read and recorded.
 */
export async function hashFiles(files: readonly LocalFile[], opts: HashOptions = {}): Promise<HashedFile[]> {
  const cache = opts.cache ?? NO_DIGEST_CACHE;
  const clockNs = opts.clockNs ?? wallClockNs;
  const buffers: Buffer[] = [];
  const hashed: HashedFile[] = new Array(files.length);
  // What the cache vouches for first, in one pass: no promise per file when nothing changed.
  const toRead: number[] = [];
  for (const [i, file] of files.entries()) {
    const remembered = file.stamp && cache.lookup(file.source, file.stamp);
    if (!remembered) toRead.push(i);
    else {
      hashed[i] = { ...file, sha256: remembered, cached: true };
      opts.onHashed?.(hashed[i]);
    }
  }
  await mapLimit(toRead, opts.concurrency ?? 4, async (i) => {
    const file = files[i] as LocalFile;
    // At most `concurrency` buffers ever exist: each worker takes one and gives it back.
    const buffer = buffers.pop() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const recordedNs = clockNs();
    let digest: FileDigest;
    try {
      // The walk only lists and stats; a file whose mode forbids reading is found here.
      digest = await hashFile(file.source, buffer, opts.signal).catch((err: unknown) => {
        throw isPermissionError(err)
          ? permissionDenied(opts.platform ?? process.platform, 'file', file.source, err)
          : err;
      });
    } finally {
      buffers.push(buffer);
    }
    if (digest.stamp) cache.record(file.source, { ...digest.stamp, sha256: digest.sha256, recordedNs });
    hashed[i] = { ...file, size: digest.size, sha256: digest.sha256, cached: false };
    opts.onHashed?.(hashed[i]);
  });
  return hashed;
}
