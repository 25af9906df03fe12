// Who may talk to the local HTTP endpoint. Pure functions of the request's headers and path, so
// each rule is unit-tested on its own (test/unit/http-guard.test.ts).
// - DNS rebinding: a web page on evil.example can point its name at 127.0.0.1, and the browser
//   then sends `Host: evil.example:PORT`. Only a loopback name with our own port passes, and an
//   Origin, when a browser sends one, must be loopback too.
// - Any local process (or page) could otherwise act with the person's grant: every request must
//   carry the per-launch secret, as a bearer header or as the last path segment.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The names a loopback listener is reached by, as they appear in URL.hostname. */
const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Where the endpoint lives; `/mcp/<secret>` for hosts that cannot send headers. */
export const MCP_PATH = '/mcp';

/** Whether a Host header names this listener: a loopback name and our port. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return false;
  }
  // Anything beyond host[:port] (a user, a path) is not a Host header.
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return false;
  if (!LOOPBACK_HOSTNAMES.has(url.hostname.toLowerCase())) return false;
  // URL drops the default port: "127.0.0.1" and "127.0.0.1:80" both mean port 80.
  return Number(url.port || '80') === port;
}

/** Whether an Origin header (absent for non-browser clients) is a loopback page's. */
export function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file:// page) included
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTNAMES.has(url.hostname);
}

/** Equal strings, in time that does not depend on where they differ (or on their lengths). */
export function secretMatches(given: string, secret: string): boolean {
  // Hashing first gives equal-length inputs, so the length of a guess leaks nothing either.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403 | 404; message: string };

export interface GuardRequest {
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
  /** The request target's path (no query). */
  path: string;
}

const AUTH_HELP =
  'send the secret that `hostsmith-mcp serve --http` printed at start, as "Authorization: Bearer <secret>" or at the end of the URL (/mcp/<secret>); `hostsmith-mcp config <client> --http` prints the entry';

/** The whole admission rule, in order: rebinding (403), the endpoint (404), the secret (401). */
export function admit(request: GuardRequest, opts: { port: number; secret: string }): Verdict {
  if (!hostAllowed(request.host, opts.port)) {
    return {
      ok: false,
      status: 403,
      message: 'Forbidden: this server answers only to 127.0.0.1, localhost or [::1] with its own port',
    };
  }
  if (!originAllowed(request.origin)) {
    return {
      ok: false,
      status: 403,
      message:
        'Forbidden: requests from web pages are refused unless the page is on this computer (loopback)',
    };
  }
  const rest = request.path === MCP_PATH ? undefined : pathSecret(request.path);
  if (request.path !== MCP_PATH && rest === undefined) {
    return { ok: false, status: 404, message: `Not found: the MCP endpoint is ${MCP_PATH}` };
  }
  const bearer = /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.authorization ?? '')?.[1];
  // Both are checked when both are given: neither may be wrong.
  const given = [bearer, rest].filter((value): value is string => value !== undefined);
  if (given.length === 0 || !given.every((value) => secretMatches(value, opts.secret))) {
    return { ok: false, status: 401, message: `Unauthorized: ${AUTH_HELP}` };
  }
  return { ok: true };
}

/** The secret in `/mcp/<secret>`, or undefined for any other path. */
function pathSecret(path: string): string | undefined {
  if (!path.startsWith(`${MCP_PATH}/`)) return undefined;
  const segment = path.slice(MCP_PATH.length + 1);
  if (segment === '' || segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
