// A whole deploy of a local folder: check the site, walk, hash, compare with the live files (the
// plan; a dry run stops here, a plan that removes files is confirmed first), send the manifest,
// upload only the blobs the API lacks, publish (once more after uploading any blobs publish says
// are missing), report.
import type { Partition } from '../auth/types.js';
import {
  createDeploy,
  type DeployApi,
  getDeploySite,
  listLiveFiles,
  missingBlobsOf,
  publishDeploy,
  type SiteRef,
} from '../hostsmith/deploys.js';
import { type DigestCache, NO_DIGEST_CACHE, openDigestCache } from './digest-cache.js';
import { DeployError } from './errors.js';
import { type HashedFile, hashFiles } from './hash.js';
import { type DeployPlan, planDeploy } from './plan.js';
import { hashedLine, hashingLine, type Say, safe, type Tally, throttled, uploadedLine } from './progress.js';
import type { RetryPolicy } from './retry.js';
import { uploadBlobs } from './upload.js';
import { type LocalFile, walkDirectory } from './walk.js';

export interface DeployOptions {
  api: DeployApi;
  siteId: string;
  partition?: Partition;
  /** Absolute, `~/…`, or relative to `cwd`. */
  directory: string;
  cwd?: string;
  /** Whose path rules and help texts apply; process.platform by default. */
  platform?: NodeJS.Platform;
  /** What `~` stands for; the user's home folder by default. */
  home?: string;
  signal?: AbortSignal;
  /** Steps for the person watching: files and bytes hashed, then uploaded, of the total. */
  progress?: (message: string) => void | Promise<void>;
  /**
   * The digest cache's file (./digest-cache.ts), beside the credentials: files unchanged since
   * an earlier deploy are not read again. None: every file is read.
   */
  digestCache?: string;
  concurrency?: number;
  retry?: RetryPolicy;
  /** Stop after the plan: nothing is created or sent. */
  dryRun?: boolean;
  /** Called before a deploy that would remove live files; throws to stop it. */
  confirmRemoval?: (
    site: { name: string; url: string },
    plan: DeployPlan,
    directory: string,
  ) => Promise<void>;
}

export interface DeployReport {
  /** Absent on a dry run. */
  deployId?: string;
  /** Files in the published deploy (on a dry run, in the folder). */
  fileCount: number;
  /** What the deploy changes (changed) on the live site. */
  plan: DeployPlan;
  siteName: string;
  /** Blobs sent (files with the same content travel once). */
  filesUploaded: number;
  bytesUploaded: number;
  /** Bytes of the folder the API already held, so they were not sent. */
  bytesSkipped: number;
  /** Files read to hash them, and their bytes; the rest were unchanged since an earlier deploy. */
  filesRead: number;
  bytesRead: number;
  url: string;
  /** The absolute folder deployed. */
  directory: string;
  /** true when `directory` was relative and resolved against the server's working directory. */
  resolvedRelative: boolean;
  /** Site paths left out by the ignore rule (dotfiles, node_modules, desktop clutter, …). */
  skipped: string[];
}

/** Hashes the walked files (the cache's where it may), saying files and bytes done of the total. */
async function hashAll(files: LocalFile[], cache: DigestCache, say: Say, opts: DeployOptions) {
  const total: Tally = { files: files.length, bytes: files.reduce((sum, f) => sum + f.size, 0) };
  const done: Tally = { files: 0, bytes: 0 };
  const read: Tally = { files: 0, bytes: 0 };
  let cached = 0;
  const hashProgress = throttled(say);
  const hashed = await hashFiles(files, {
    signal: opts.signal,
    platform: opts.platform,
    cache,
    onHashed: (file) => {
      done.files += 1;
      done.bytes += file.size;
      if (file.cached) cached += 1;
      else {
        read.files += 1;
        read.bytes += file.size;
      }
      void hashProgress(() => hashingLine(done, total, cached), false);
    },
  });
  await say(hashedLine(done, cached));
  return { hashed, read };
}

export async function deployDirectory(opts: DeployOptions): Promise<DeployReport> {
  const site: SiteRef = { siteId: opts.siteId, partition: opts.partition, signal: opts.signal };
  // First, so a wrong site id fails before any disk work.
  const { url, name: siteName } = await getDeploySite(opts.api, site);
  // The live listing is fetched while the folder is walked and hashed: neither waits on the other.
  const live = listLiveFiles(opts.api, site);
  live.catch(() => {}); // a failure is reported where it is awaited, or not at all if the walk fails first

  // Read while the folder is walked.
  const opening = opts.digestCache ? openDigestCache(opts.digestCache) : Promise.resolve(NO_DIGEST_CACHE);
  const walked = await walkDirectory(opts.directory, {
    cwd: opts.cwd,
    platform: opts.platform,
    home: opts.home,
  });
  const say = safe(opts.progress);
  const cache = await opening;
  const { hashed: files, read } = await hashAll(walked.files, cache, say, opts);
  // Written while the API answers; it never throws, and is awaited before the deploy returns.
  const saved = cache.save();
  try {
    return await publish(opts, site, files, { url, siteName, walked, read, say, live });
  } finally {
    await saved;
  }
}

interface Known {
  url: string;
  siteName: string;
  walked: Awaited<ReturnType<typeof walkDirectory>>;
  read: Tally;
  say: Say;
  live: ReturnType<typeof listLiveFiles>;
}

/** Plan, confirm, create, upload, publish. */
async function publish(
  opts: DeployOptions,
  site: SiteRef,
  files: HashedFile[],
  { url, siteName, walked, read, say, live }: Known,
): Promise<DeployReport> {
  const plan = planDeploy(files, await live);
  const common = {
    url,
    siteName,
    plan,
    directory: walked.root,
    resolvedRelative: walked.resolvedRelative,
    skipped: walked.skipped,
    filesRead: read.files,
    bytesRead: read.bytes,
  };
  if (opts.dryRun) {
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    return {
      ...common,
      fileCount: files.length,
      filesUploaded: plan.filesToUpload,
      bytesUploaded: plan.bytesToUpload,
      bytesSkipped: Math.max(0, bytes - plan.bytesToUpload),
    };
  }
  if (plan.removed.length > 0) await opts.confirmRemoval?.({ name: siteName, url }, plan, walked.root);

  const manifest: Record<string, string> = {};
  const byDigest = new Map<string, HashedFile>();
  for (const file of files) {
    manifest[file.path] = file.sha256;
    if (!byDigest.has(file.sha256)) byDigest.set(file.sha256, file);
  }
  const blobsFor = (digests: readonly string[]): HashedFile[] =>
    [...new Set(digests)].map((digest) => {
      const file = byDigest.get(digest);
      if (!file)
        throw new DeployError(
          'MISSING_BLOBS',
          `Hostsmith asked for a blob (${digest}) this folder does not hold`,
        );
      return file;
    });

  const created = await createDeploy(opts.api, site, manifest);
  const required = blobsFor(created.required);
  const upload = (blobs: HashedFile[]) => {
    const total: Tally = { files: blobs.length, bytes: blobs.reduce((sum, f) => sum + f.size, 0) };
    const uploadProgress = throttled(say);
    return uploadBlobs({
      api: opts.api,
      site,
      deployId: created.id,
      blobs,
      concurrency: opts.concurrency,
      retry: opts.retry,
      signal: opts.signal,
      onUploaded: (files, bytes) =>
        uploadProgress(() => uploadedLine({ files, bytes }, total), files === total.files),
    });
  };
  const sent = await upload(required);

  let published: Awaited<ReturnType<typeof publishDeploy>>;
  let extra = { blobs: 0, bytes: 0 };
  try {
    published = await publishDeploy(opts.api, site, created.id);
  } catch (err) {
    const missing = missingBlobsOf(err);
    if (!missing || missing.length === 0) throw err;
    // The API lost or never counted some blobs: send those once, then publish again.
    extra = await upload(blobsFor(missing));
    published = await publishDeploy(opts.api, site, created.id);
  }
  await say(`published ${published.fileCount} files`);

  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const bytesUploaded = sent.bytes + extra.bytes;
  return {
    ...common,
    deployId: published.id,
    fileCount: published.fileCount,
    filesUploaded: sent.blobs + extra.blobs,
    bytesUploaded,
    bytesSkipped: Math.max(0, totalBytes - sent.bytes),
  };
}
