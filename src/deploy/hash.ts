// sha256 of a file, streamed: memory stays at one read buffer however large the file is.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { isPermissionError, permissionDenied } from './permission.js';
import { mapLimit } from './pool.js';
import type { LocalFile } from './walk.js';

export interface HashedFile extends LocalFile {
  sha256: string;
}

export async function hashFile(
  path: string,
  signal?: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    createReadStream(path, { highWaterMark: 1024 * 1024 }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        size += chunk.length;
        hash.update(chunk);
      }
    },
    { signal },
  );
  return { sha256: hash.digest('hex'), size };
}

export interface HashOptions {
  /** Files hashed at once (disk reads overlap; the hashing itself is one core either way). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each file with how many are done. */
  onHashed?: (done: number) => void;
  /** Whose help text a refused read gets; process.platform by default. */
  platform?: NodeJS.Platform;
}

/** Hashes every file; `size` is what was actually read (a file may change after the walk). */
export async function hashFiles(files: readonly LocalFile[], opts: HashOptions = {}): Promise<HashedFile[]> {
  let done = 0;
  return mapLimit(files, opts.concurrency ?? 4, async (file) => {
    // The walk only lists and stats; a file whose mode forbids reading is found here.
    const { sha256, size } = await hashFile(file.source, opts.signal).catch((err: unknown) => {
      throw isPermissionError(err)
        ? permissionDenied(opts.platform ?? process.platform, 'file', file.source, err)
        : err;
    });
    done += 1;
    opts.onHashed?.(done);
    return { ...file, size, sha256 };
  });
}
