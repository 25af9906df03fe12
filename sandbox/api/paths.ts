// The naming rules of the contract: site names, file paths, digests, content types.

/** A site name: lowercase letters, digits and inner hyphens, 1–63 characters. */
export const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A sha256 digest as the API writes it: 64 lowercase hex characters. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export const MAX_PATH_LENGTH = 1024;

/**
 * A file path is relative, `/`-separated, at most 1024 characters, with no empty, `.` or `..`
 * segment and no NUL or backslash. Callers pass the DECODED path, so `%2e%2e` is caught here.
 */
export function isValidFilePath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) return false;
  if (path.includes('\0') || path.includes('\\')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** decodeURIComponent that answers undefined for malformed percent-encoding instead of throwing. */
export function decodeParam(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  json: 'application/json',
  map: 'application/json',
  txt: 'text/plain',
  md: 'text/markdown',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  wasm: 'application/wasm',
  woff: 'font/woff',
  woff2: 'font/woff2',
  webmanifest: 'application/manifest+json',
};

/** The content type a file gets when nobody said: from its extension. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf('.');
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot + 1).toLowerCase() : '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
