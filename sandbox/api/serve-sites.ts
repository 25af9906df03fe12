// The sites themselves: GET {api}/s/{partition}/{name}/{path} serves the live file set, with
// the index document for directories and the error document (404) for misses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PARTITIONS, type Partition } from '../types.js';
import type { FileEntry, SiteRecord, Store } from './model.js';
import { decodeParam, isValidFilePath } from './paths.js';

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
}

function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  file: FileEntry,
  bytes: Buffer,
): void {
  const etag = `"${file.sha256}"`;
  if (status === 200 && req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  res.writeHead(status, {
    'content-type': file.contentType,
    'content-length': bytes.length,
    etag,
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Which file a request path means, looked up in ONE file set (the one live when we started). */
function resolve(
  site: SiteRecord,
  files: ReadonlyMap<string, FileEntry>,
  path: string,
): FileEntry | undefined {
  if (path === '' || path.endsWith('/')) return files.get(`${path}${site.indexDocument}`);
  return files.get(path) ?? files.get(`${path}/${site.indexDocument}`);
}

/** The partition a /s/ path names, for the request log and the knobs. */
export function sitePartition(rawPath: string): Partition | null {
  const p = rawPath.split('/')[2];
  return (PARTITIONS as readonly string[]).includes(p ?? '') ? (p as Partition) : null;
}

export function serveSite(store: Store, req: IncomingMessage, res: ServerResponse, rawPath: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  // /s/{partition}/{name}/{rest…}
  const [, , partition, name, ...rest] = rawPath.split('/');
  const site = partition && name ? store.siteByName(partition as Partition, name) : undefined;
  if (!site) {
    sendText(res, 404, 'no such site\n');
    return;
  }
  if (rest.length === 0) {
    // Relative links in the site resolve against a directory URL.
    res.writeHead(301, { location: `/s/${partition}/${name}/` }).end();
    return;
  }
  // Take the file set once: a deploy published while we answer changes nothing for this request.
  const files = site.files;
  const decoded = decodeParam(rest.join('/'));
  const path = decoded === undefined ? undefined : decoded;
  const valid = path !== undefined && (path === '' || isValidFilePath(path.replace(/\/$/, '')));
  const file = valid ? resolve(site, files, path) : undefined;
  const bytes = file && store.blob(site, file);
  if (file && bytes) {
    sendFile(req, res, 200, file, bytes);
    return;
  }
  const errorFile = site.errorDocument ? files.get(site.errorDocument) : undefined;
  const errorBytes = errorFile && store.blob(site, errorFile);
  if (errorFile && errorBytes) {
    sendFile(req, res, 404, errorFile, errorBytes);
    return;
  }
  sendText(res, 404, 'not found\n');
}
