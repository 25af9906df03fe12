// Upload blobs from disk: streamed (a fresh read stream per try), at most `concurrency` at once,
// each retried by retry.ts.
import { createReadStream } from 'node:fs';
import { type DeployApi, type SiteRef, uploadBlob } from '../hostsmith/deploys.js';
import { contentTypeOf } from './content-type.js';
import { DeployError } from './errors.js';
import type { HashedFile } from './hash.js';
import { mapLimit } from './pool.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.js';

export interface UploadOptions {
  api: DeployApi;
  site: SiteRef;
  deployId: string;
  /** One file per blob to send (any file with that digest). */
  blobs: readonly HashedFile[];
  concurrency?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** After each blob arrives: how many blobs and bytes have arrived so far. */
  onUploaded?: (done: number, bytes: number) => void | Promise<void>;
}

export interface UploadResult {
  blobs: number;
  bytes: number;
  /** Tries beyond the first, over all blobs. */
  retries: number;
}

export const DEFAULT_CONCURRENCY = 6;

export async function uploadBlobs(opts: UploadOptions): Promise<UploadResult> {
  const policy = opts.retry ?? DEFAULT_RETRY;
  let done = 0;
  let bytes = 0;
  let retries = 0;
  await mapLimit(opts.blobs, opts.concurrency ?? DEFAULT_CONCURRENCY, async (file) => {
    await withRetry(
      async (attempt) => {
        if (attempt > 1) retries += 1;
        try {
          await uploadBlob(opts.api, opts.site, {
            deployId: opts.deployId,
            sha256: file.sha256,
            size: file.size,
            contentType: contentTypeOf(file.path),
            open: () => createReadStream(file.source),
          });
        } catch (err) {
          if (err instanceof Error && 'code' in err && err.code === 'digest_mismatch') {
            throw new DeployError(
              'FILE_CHANGED',
              `The file ${file.path} changed during the deploy; deploy again`,
              {
                cause: err,
              },
            );
          }
          throw err;
        }
      },
      policy,
      opts.signal,
    );
    done += 1;
    bytes += file.size;
    await opts.onUploaded?.(done, bytes);
  });
  return { blobs: done, bytes, retries };
}
