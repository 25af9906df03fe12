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
import { DeployError } from './errors.js';
import { type HashedFile, hashFiles } from './hash.js';
import { type DeployPlan, planDeploy } from './plan.js';
import type { RetryPolicy } from './retry.js';
import { uploadBlobs } from './upload.js';
import { walkDirectory } from './walk.js';

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
  /** Steps for the person watching ("hashed 12 files", "uploaded 3/7"). */
  progress?: (message: string) => void | Promise<void>;
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
  url: string;
  /** The absolute folder deployed. */
  directory: string;
  /** true when `directory` was relative and resolved against the server's working directory. */
  resolvedRelative: boolean;
  /** Site paths left out by the ignore rule (dotfiles, node_modules, desktop clutter, …). */
  skipped: string[];
}

/** Progress is best effort: a client that went away must not fail the deploy. */
function safe(send: DeployOptions['progress']): (message: string) => Promise<void> {
  return async (message) => {
    try {
      await send?.(message);
    } catch {
      // Nothing to do: the deploy itself goes on, and its result or error still gets reported.
    }
  };
}

/** Calls `send` at most every `ms`, and always for the last step. */
function throttled(send: (m: string) => Promise<void>, ms = 200) {
  let last = 0;
  return async (message: string, final: boolean) => {
    const now = Date.now();
    if (!final && now - last < ms) return;
    last = now;
    await send(message);
  };
}

export async function deployDirectory(opts: DeployOptions): Promise<DeployReport> {
  const site: SiteRef = { siteId: opts.siteId, partition: opts.partition, signal: opts.signal };
  // First, so a wrong site id fails before any disk work.
  const { url, name: siteName } = await getDeploySite(opts.api, site);

  const walked = await walkDirectory(opts.directory, {
    cwd: opts.cwd,
    platform: opts.platform,
    home: opts.home,
  });
  const total = walked.files.length;
  const say = safe(opts.progress);
  const hashProgress = throttled(say);
  const files = await hashFiles(walked.files, {
    signal: opts.signal,
    platform: opts.platform,
    onHashed: (done) => void hashProgress(`hashed ${done}/${total} files`, false),
  });
  await say(`hashed ${total} files`);

  const plan = planDeploy(files, await listLiveFiles(opts.api, site));
  const common = {
    url,
    siteName,
    plan,
    directory: walked.root,
    resolvedRelative: walked.resolvedRelative,
    skipped: walked.skipped,
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
  const uploadProgress = throttled(say);
  const upload = (blobs: HashedFile[]) =>
    uploadBlobs({
      api: opts.api,
      site,
      deployId: created.id,
      blobs,
      concurrency: opts.concurrency,
      retry: opts.retry,
      signal: opts.signal,
      onUploaded: (done, n) => uploadProgress(`uploaded ${done}/${n}`, done === n),
    });
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
