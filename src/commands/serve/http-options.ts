// --http, --port and --http-secret-file: read by `serve` (to listen) and by `config` (to print a
// host's entry for the HTTP form), validated the same way for both.
export const DEFAULT_HTTP_PORT = 3333;

export interface HttpOptions {
  /** The loopback port (0: a free one, said at start). */
  port: number;
  /** A file keeping one secret across launches; absent: a new secret per launch. */
  secretFile?: string;
}

/** The flags for node:util parseArgs. */
export const HTTP_FLAGS = {
  http: { type: 'boolean' },
  port: { type: 'string' },
  'http-secret-file': { type: 'string' },
} as const;

export const HTTP_HELP = `Local HTTP (instead of stdio):
  --http                     serve Streamable HTTP at http://127.0.0.1:<port>/mcp (loopback only);
                             every request needs the secret printed at start
  --port N                   the port (default ${DEFAULT_HTTP_PORT})
  --http-secret-file PATH    keep one secret in PATH across launches (created 0600 if missing)`;

export class HttpFlagError extends Error {}

export function httpOptions(flags: Record<string, unknown>): HttpOptions | undefined {
  const port = flags.port as string | undefined;
  const secretFile = flags['http-secret-file'] as string | undefined;
  if (!flags.http) {
    if (port !== undefined || secretFile !== undefined) {
      throw new HttpFlagError('--port and --http-secret-file go with --http');
    }
    return undefined;
  }
  const number = port === undefined ? DEFAULT_HTTP_PORT : Number(port);
  if (!/^\d+$/.test(port ?? String(DEFAULT_HTTP_PORT)) || number > 65535) {
    throw new HttpFlagError(`--port: a whole number from 1 to 65535, not "${port}"`);
  }
  if (secretFile !== undefined && secretFile.trim() === '') {
    throw new HttpFlagError('--http-secret-file: a file path');
  }
  return { port: number, ...(secretFile !== undefined ? { secretFile } : {}) };
}
