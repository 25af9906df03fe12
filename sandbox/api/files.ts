// /v1/sites/{siteId}/files: list the live files, put one, delete one.
import type { Handler, RouteContext } from './context.js';
import { findSite } from './context.js';
import { ApiError, readBody } from './http.js';
import { type FileEntry, sha256Hex } from './model.js';
import { contentTypeFor, isValidFilePath } from './paths.js';
import { fileView } from './views.js';

/** One file (and one blob) is at most 25 MiB. */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;

export function filePathParam(ctx: RouteContext): string {
  const path = ctx.params.path ?? '';
  if (!isValidFilePath(path)) {
    throw new ApiError(
      'invalid_path',
      'a path is relative, /-separated, at most 1024 characters, without empty, "." or ".." segments, NUL or backslash',
    );
  }
  return path;
}

export const listFiles: Handler = (ctx) => {
  const site = findSite(ctx);
  const files = [...site.files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)).map(fileView);
  return { status: 200, body: { files } };
};

export const putFile: Handler = async (ctx) => {
  const site = findSite(ctx);
  const path = filePathParam(ctx);
  const bytes = await readBody(ctx.req, MAX_FILE_BYTES);
  const declared = ctx.req.headers['content-type'];
  const contentType = declared && declared.trim() !== '' ? declared.trim() : contentTypeFor(path);
  const digest = ctx.store.putBlob(site.partition, site.ownerId, bytes, sha256Hex(bytes));
  const entry: FileEntry = { path, size: bytes.length, sha256: digest, contentType };
  // The live site may have been deleted while the body arrived.
  const current = ctx.store.sites.get(site.id);
  if (!current) throw new ApiError('not_found', `no site ${site.id}`);
  const existed = current.files.has(path);
  const files = new Map(current.files);
  files.set(path, entry);
  current.files = files;
  current.updatedAt = ctx.now().toISOString();
  ctx.store.changed();
  return { status: existed ? 200 : 201, body: fileView(entry) };
};

export const deleteFile: Handler = (ctx) => {
  const site = findSite(ctx);
  const path = filePathParam(ctx);
  if (!site.files.has(path)) throw new ApiError('not_found', `no file ${path}`);
  const files = new Map(site.files);
  files.delete(path);
  site.files = files;
  site.updatedAt = ctx.now().toISOString();
  ctx.store.changed();
  return { status: 204 };
};
