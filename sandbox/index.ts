// startSandbox: the local Hostsmith on two loopback listeners — the authorization server at the
// root of its own port (the issuer), the REST API and the sites on another (the resource).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from './api/index.js';
import type { SandboxWindow } from './api/window.js';
import { createAuthServer } from './auth/index.js';
import { type DataFile, openDataFile } from './persist.js';
import type { AuthServer } from './types.js';
import { DEFAULT_USER, SANDBOX_PASSWORD, USERS, userByEmail } from './users.js';

export type { Fault, FaultSpecInput } from './api/faults.js';
export type { RateLimits } from './api/rate-limit.js';
export type { RequestLogEntry } from './api/request-log.js';
export type { GrantInfo, SandboxWindow } from './api/window.js';

export const HOST = '127.0.0.1';

export interface SandboxOptions {
  /** The API's port; the issuer takes port + 1. 0 (the default) picks free ports for both. */
  port?: number;
  /** The issuer's port: port + 1 by default, free when port is 0. Tests that restart pass the old one. */
  issuerPort?: number;
  /** Skip the sign-in and consent pages, signing in as `user`. */
  autoApprove?: boolean;
  /** The user auto-approve signs in as (default ada@example.com). */
  user?: string;
  /** Access-token lifetime in seconds (3600). */
  accessTokenTtl?: number;
  /**
   * Issue JWT access tokens of exactly this many bytes (at least 1,000), carrying the grant id;
   * unset: opaque tokens. The API verifies their signature and that the grant is alive.
   */
  accessTokenBytes?: number;
  /** JSON requests per minute, per user and partition (100). */
  rateLimit?: number;
  /** File and blob uploads per minute, per user and partition (2000). */
  uploadRateLimit?: number;
  /** Keep everything (API data and the authorization server's state) in this JSON file. */
  dataFile?: string;
  /**
   * The URLs clients see, when a TLS-terminating front (a reverse proxy) stands before the two
   * loopback listeners, e.g. https://api.hostsmith.test:8443 and https://auth.hostsmith.test:8443.
   * The issuer, the protected-resource metadata, the token audience and the sites' URLs then
   * name these; the issuer trusts the front's X-Forwarded-Proto for the URLs it builds.
   */
  publicUrls?: { api: string; issuer: string };
}

export interface Sandbox {
  /** The API's base URL, e.g. http://127.0.0.1:8787 — also the resource indicator (publicUrls.api when given). */
  api: string;
  /** The issuer, e.g. http://127.0.0.1:8788 (publicUrls.issuer when given). */
  issuer: string;
  /** The loopback listeners themselves (the same as api/issuer without publicUrls). */
  listeners: { api: string; issuer: string };
  auth: AuthServer;
  window: SandboxWindow;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Listener {
  server: Server;
  setHandler(h: Handler): void;
}

async function listen(port: number): Promise<Listener> {
  let handler: Handler = (_req, res) => {
    res.writeHead(503, { 'retry-after': '1' }).end();
  };
  const server = createServer({ keepAlive: true }, (req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, setHandler: (h) => (handler = h) };
}

function urlOf(server: Server): string {
  return `http://${HOST}:${(server.address() as AddressInfo).port}`;
}

/** A public URL as the sandbox names it: no trailing slash (it is the issuer and the resource). */
function publicUrl(value: string | undefined): string | undefined {
  return value === undefined ? undefined : new URL(value).href.replace(/\/+$/, '');
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive sockets would hold close() open; nobody should wait on a sandbox going away.
  server.closeAllConnections();
  await closed;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const port = options.port ?? 0;
  const autoApproveUser = options.user ?? DEFAULT_USER;
  if (!userByEmail(autoApproveUser)) {
    throw new Error(
      `unknown sandbox user ${autoApproveUser}; known: ${USERS.map((u) => u.email).join(', ')}`,
    );
  }
  const data: DataFile | undefined = options.dataFile ? openDataFile(options.dataFile) : undefined;

  // Listen first: both halves need the real URLs. Whatever started is undone if a later step fails.
  const undo: Array<() => Promise<void>> = [];
  const rollback = async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
  };
  let auth: AuthServer;
  let apiHalf: ReturnType<typeof createApi>;
  let apiListener: Listener;
  let issuerListener: Listener;
  try {
    apiListener = await listen(port);
    undo.push(() => closeServer(apiListener.server));
    issuerListener = await listen(options.issuerPort ?? (port === 0 ? 0 : port + 1));
    undo.push(() => closeServer(issuerListener.server));
    const api = publicUrl(options.publicUrls?.api) ?? urlOf(apiListener.server);
    const issuer = publicUrl(options.publicUrls?.issuer) ?? urlOf(issuerListener.server);
    auth = await createAuthServer({
      trustForwardedProto: options.publicUrls !== undefined,
      issuer,
      apiResource: api,
      users: USERS,
      password: SANDBOX_PASSWORD,
      autoApprove: options.autoApprove ?? false,
      autoApproveUser: userByEmail(autoApproveUser)?.email ?? DEFAULT_USER,
      accessTokenTtl: options.accessTokenTtl ?? 3600,
      ...(options.accessTokenBytes !== undefined ? { accessTokenBytes: options.accessTokenBytes } : {}),
      ...(data ? { persist: data.slot('auth') } : {}),
    });
    undo.push(() => auth.close());
    apiHalf = createApi({
      api,
      issuer,
      users: USERS,
      auth,
      rateLimit: options.rateLimit ?? 100,
      uploadRateLimit: options.uploadRateLimit ?? 2000,
      ...(data ? { persist: data.slot('api') } : {}),
    });
  } catch (error) {
    await rollback();
    throw error;
  }
  apiHalf.inFlight.watch('api', apiListener.server);
  apiHalf.inFlight.watch('issuer', issuerListener.server);
  apiListener.setHandler(apiHalf.handle);
  issuerListener.setHandler(apiHalf.wrapIssuer((req, res) => auth.handle(req, res)));
  const listeners = { api: urlOf(apiListener.server), issuer: urlOf(issuerListener.server) };
  const api = publicUrl(options.publicUrls?.api) ?? listeners.api;
  const issuer = publicUrl(options.publicUrls?.issuer) ?? listeners.issuer;

  let closing: Promise<void> | undefined;
  return {
    api,
    issuer,
    listeners,
    auth,
    window: apiHalf.window,
    close() {
      closing ??= (async () => {
        await Promise.all([closeServer(apiListener.server), closeServer(issuerListener.server)]);
        await auth.close();
        await data?.close();
      })();
      return closing;
    },
  };
}
