// The deploy endpoints of the contract (hostsmith-api.md, "Deploys"): their answers as zod
// schemas, and one small function per call (their paths are in ./routes.ts, with every other).
// Everything else the deploy engine knows about the wire lives here.
import type { Readable } from 'node:stream';
import * as z from 'zod/v4';
import type { Partition } from '../auth/types.js';
import type { HostsmithClient } from './client.js';
import { isValidSitePath, ROUTES } from './routes.js';
import { FileListSchema, type SiteFile } from './schemas.js';

/** One file is at most 25 MiB (the API answers 413 payload_too_large above it). */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;

/**
 * One upload_files call carries at most 25 MiB of content in all (ours, not the API's): the
 * call travels as one stdin line, base64 makes it 4/3 larger, and the stdio line limit
 * (src/mcp/stdio/transport.ts) must hold it. Larger sites go through deploy_directory.
 */
export const MAX_UPLOAD_CALL_BYTES = 25 * 1024 * 1024;

/** A sha256 digest as the API writes it: 64 lowercase hex characters. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The contract's path rule (one copy of it, in ./routes.ts). */
export const isValidDeployPath = isValidSitePath;

const Digest = z.string().regex(SHA256_HEX);

export const CreatedDeploySchema = z.object({
  id: z.string(),
  state: z.string(),
  required: z.array(Digest),
});
export type CreatedDeploy = z.infer<typeof CreatedDeploySchema>;

export const PublishedDeploySchema = z.object({
  id: z.string(),
  state: z.literal('live'),
  fileCount: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  publishedAt: z.string(),
});
export type PublishedDeploy = z.infer<typeof PublishedDeploySchema>;

/** What a deploy needs of a site: where it is served. */
export const SiteUrlSchema = z.object({ id: z.string(), url: z.string() });
/** …and, to word a question or a summary, its name. */
export const DeploySiteSchema = SiteUrlSchema.extend({ name: z.string() });

/** `details` of a 409 missing_blobs. */
export const MissingBlobsSchema = z.object({ missing: z.array(Digest) });

/** What the deploy calls need of the client: its request(); tests may hand in any transport. */
export type DeployApi = Pick<HostsmithClient, 'request'>;

export interface SiteRef {
  siteId: string;
  partition?: Partition;
  signal?: AbortSignal;
}

/** The site's public URL (GET /v1/sites/{id}); also proves the site exists before any work. */
export async function getSiteUrl(api: DeployApi, ref: SiteRef): Promise<string> {
  const site = await api.request({
    method: 'GET',
    path: ROUTES.site(ref.siteId),
    partition: ref.partition,
    schema: SiteUrlSchema,
    signal: ref.signal,
  });
  return site.url;
}

/** The site's URL and name (GET /v1/sites/{id}); also proves the site exists before any work. */
export async function getDeploySite(api: DeployApi, ref: SiteRef): Promise<z.infer<typeof DeploySiteSchema>> {
  return api.request({
    method: 'GET',
    path: ROUTES.site(ref.siteId),
    partition: ref.partition,
    schema: DeploySiteSchema,
    signal: ref.signal,
  });
}

/** The files the site serves now (GET …/files): what a deploy adds to, changes and removes. */
export async function listLiveFiles(api: DeployApi, ref: SiteRef): Promise<SiteFile[]> {
  const listed = await api.request({
    method: 'GET',
    path: ROUTES.files(ref.siteId),
    partition: ref.partition,
    schema: FileListSchema,
    signal: ref.signal,
  });
  return listed.files;
}

/** POST …/deploys with the manifest; answers the digests the partition still lacks. */
export async function createDeploy(
  api: DeployApi,
  ref: SiteRef,
  files: Readonly<Record<string, string>>,
): Promise<CreatedDeploy> {
  return api.request({
    method: 'POST',
    path: ROUTES.deploys(ref.siteId),
    partition: ref.partition,
    json: { files },
    schema: CreatedDeploySchema,
    // A POST: never sent twice once it may have arrived (retry-policy.ts), or a second,
    // orphaned deploy would be left behind.
    signal: ref.signal,
  });
}

export interface BlobUpload {
  deployId: string;
  sha256: string;
  size: number;
  contentType: string;
  /** Opens the bytes afresh; called once per attempt. */
  open: () => Readable | Buffer;
}

/** PUT …/blobs/{sha256} with the raw bytes, streamed. */
export async function uploadBlob(api: DeployApi, ref: SiteRef, blob: BlobUpload): Promise<void> {
  await api.request({
    method: 'PUT',
    path: ROUTES.blob(ref.siteId, blob.deployId, blob.sha256),
    partition: ref.partition,
    body: blob.open,
    contentType: blob.contentType,
    contentLength: blob.size,
    // The client still waits out 429/503 (Retry-After); other 5xx and broken connections are
    // retried by the deploy engine (src/deploy/retry.ts, by the same table), so the tries stay
    // counted per blob.
    retry: 'caller',
    signal: ref.signal,
  });
}

/** POST …/publish: a POST, so never sent twice once it may have arrived (retry-policy.ts). */
export async function publishDeploy(
  api: DeployApi,
  ref: SiteRef,
  deployId: string,
): Promise<PublishedDeploy> {
  return api.request({
    method: 'POST',
    path: ROUTES.publish(ref.siteId, deployId),
    partition: ref.partition,
    schema: PublishedDeploySchema,
    signal: ref.signal,
  });
}

/** The digests a `409 missing_blobs` names, or undefined when `err` is something else. */
export function missingBlobsOf(err: unknown): string[] | undefined {
  if (!(err instanceof Error) || !('code' in err) || err.code !== 'missing_blobs') return undefined;
  const details = 'details' in err ? err.details : undefined;
  const parsed = MissingBlobsSchema.safeParse(details);
  return parsed.success ? parsed.data.missing : [];
}
