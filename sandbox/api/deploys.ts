// Digest-based deploys: create (answers the digests the partition lacks), upload blobs,
// publish (an atomic swap to exactly the manifest's files), read.
import { createHash } from 'node:crypto';
import * as z from 'zod/v4';
import type { Handler, RouteContext } from './context.js';
import { findSite } from './context.js';
import { MAX_FILE_BYTES } from './files.js';
import { ApiError, readBody } from './http.js';
import { type DeployRecord, type FileEntry, newId, type SiteRecord } from './model.js';
import { contentTypeFor, isValidFilePath, SHA256_HEX } from './paths.js';
import { parseBody } from './sites.js';
import { deployView } from './views.js';

export const MAX_DEPLOY_FILES = 20_000;

const CreateBody = z.strictObject({
  files: z.record(z.string(), z.string().regex(SHA256_HEX, 'a digest is 64 lowercase hex characters')),
});

function findDeploy(ctx: RouteContext, site: SiteRecord): DeployRecord {
  const dep = ctx.store.deploys.get(ctx.params.deployId ?? '');
  if (!dep || dep.siteId !== site.id) throw new ApiError('not_found', `no deploy ${ctx.params.deployId}`);
  return dep;
}

function missingOf(ctx: RouteContext, dep: DeployRecord): string[] {
  const held = ctx.store.blobs(dep.partition, dep.ownerId);
  return [...new Set(Object.values(dep.files))].filter((d) => !held.has(d));
}

function sizesOf(ctx: RouteContext, dep: DeployRecord): { fileCount: number; sizeBytes: number } {
  const held = ctx.store.blobs(dep.partition, dep.ownerId);
  const paths = Object.keys(dep.files);
  const sizeBytes = paths.reduce((sum, p) => sum + (held.get(dep.files[p] ?? '')?.length ?? 0), 0);
  return { fileCount: paths.length, sizeBytes };
}

export const createDeploy: Handler = (ctx) => {
  const site = findSite(ctx);
  const { files } = parseBody(CreateBody, ctx.body);
  const paths = Object.keys(files);
  if (paths.length === 0) throw new ApiError('invalid_request', 'files: a deploy names at least one file');
  if (paths.length > MAX_DEPLOY_FILES) {
    throw new ApiError('invalid_request', `files: at most ${MAX_DEPLOY_FILES} files per deploy`);
  }
  const badPath = paths.find((p) => !isValidFilePath(p));
  if (badPath !== undefined)
    throw new ApiError('invalid_path', `files: ${JSON.stringify(badPath)} is not a valid path`);
  const held = ctx.store.blobs(site.partition, site.ownerId);
  const dep: DeployRecord = {
    id: newId('dep'),
    siteId: site.id,
    ownerId: site.ownerId,
    partition: site.partition,
    state: 'uploading',
    files,
    required: [...new Set(Object.values(files))].filter((d) => !held.has(d)),
    createdAt: ctx.now().toISOString(),
    publishedAt: null,
  };
  ctx.store.deploys.set(dep.id, dep);
  ctx.store.changed();
  return { status: 201, body: { id: dep.id, state: dep.state, required: dep.required } };
};

export const getDeploy: Handler = (ctx) => {
  const dep = findDeploy(ctx, findSite(ctx));
  return {
    status: 200,
    body: deployView(dep, sizesOf(ctx, dep), dep.state === 'live' ? [] : missingOf(ctx, dep)),
  };
};

export const putBlob: Handler = async (ctx) => {
  const site = findSite(ctx);
  const dep = findDeploy(ctx, site);
  const digest = ctx.params.sha256 ?? '';
  if (!SHA256_HEX.test(digest))
    throw new ApiError('invalid_request', 'a digest is 64 lowercase hex characters');
  if (dep.state !== 'uploading') throw new ApiError('conflict', `deploy ${dep.id} is already ${dep.state}`);
  if (!Object.values(dep.files).includes(digest)) {
    throw new ApiError('invalid_request', `${digest} is not in this deploy's manifest`);
  }
  const hash = createHash('sha256');
  const bytes = await readBody(ctx.req, MAX_FILE_BYTES, (chunk) => hash.update(chunk));
  const actual = hash.digest('hex');
  if (actual !== digest) {
    throw new ApiError('digest_mismatch', `the bytes hash to ${actual}, not ${digest}`);
  }
  ctx.store.putBlob(dep.partition, dep.ownerId, bytes, digest);
  ctx.store.changed();
  return { status: 201, body: { sha256: digest, size: bytes.length } };
};

export const publishDeploy: Handler = (ctx) => {
  const site = findSite(ctx);
  const dep = findDeploy(ctx, site);
  const answer = () => ({
    status: 200,
    body: { id: dep.id, state: dep.state, ...sizesOf(ctx, dep), publishedAt: dep.publishedAt },
  });
  // Publishing again is harmless: a retry after a lost answer must not fail or swap twice.
  if (dep.state === 'live') return answer();
  const missing = missingOf(ctx, dep);
  if (missing.length > 0) {
    throw new ApiError('missing_blobs', `${missing.length} blob(s) have not been uploaded`, {}, { missing });
  }
  const held = ctx.store.blobs(dep.partition, dep.ownerId);
  const files = new Map<string, FileEntry>();
  for (const [path, sha256] of Object.entries(dep.files)) {
    files.set(path, { path, sha256, size: held.get(sha256)?.length ?? 0, contentType: contentTypeFor(path) });
  }
  // One assignment: any reader sees the old file set or the new one, never a mix.
  site.files = files;
  site.liveDeployId = dep.id;
  const now = ctx.now().toISOString();
  site.updatedAt = now;
  dep.state = 'live';
  dep.publishedAt = now;
  ctx.store.changed();
  return answer();
};
