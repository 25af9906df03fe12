// `hostsmith-mcp serve --http`: the MCP server over Streamable HTTP on 127.0.0.1, for hosts that
// connect to a URL. Every request passes the guard first (src/mcp/http/guard.ts: rebinding → 403,
// the secret → 401), then the router (both protocol eras). All sessions share one client folder
// — --client, else the first MCP client's own name — so there is one credential set and one
// refresh however many hosts connect.
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { criticalSections } from '../../auth/critical.js';
import { addSecret, createLogger } from '../../log.js';
import { newConnectionState } from '../../mcp/connection-state.js';
import { admit, MCP_PATH } from '../../mcp/http/guard.js';
import { createRouter } from '../../mcp/http/router.js';
import { newSecret, SecretFileError, secretFromFile } from '../../mcp/http/secret.js';
import { toPlatform } from '../../shell-quote.js';
import type { HttpOptions } from './http-options.js';
import type { ServeOptions } from './run.js';
import { createServing, untilStopped } from './serving.js';
import { shutdown } from './shutdown.js';

/** How long calls under way may take to finish once asked to stop. */
export const HTTP_DRAIN_MS = 5_000;

export async function runHttp(opts: ServeOptions & { http: HttpOptions }): Promise<number> {
  const { io, settings } = opts;
  const log = createLogger({ write: io.err });
  const platform = toPlatform(process.platform);
  const secretFile = opts.http.secretFile && resolve(opts.http.secretFile);
  let secret: string;
  try {
    secret = secretFile ? await secretFromFile(secretFile, platform) : newSecret();
  } catch (error) {
    if (!(error instanceof SecretFileError)) throw error;
    io.err(`hostsmith-mcp: ${error.message}\n`);
    return 1;
  }
  // Never in a log line; printed once below, for the person, outside the logger.
  addSecret(secret);

  let pinned: string | undefined;
  const pin = (clientName: string | undefined) => {
    if (settings.client !== undefined || pinned !== undefined || !clientName) return;
    pinned = clientName;
    log.info(
      `Every session of this server uses the client folder "${clientName}" (the first MCP client's name; --client chooses another).`,
    );
  };
  const serving = createServing({
    settings,
    version: opts.version,
    log,
    clientFolder: (clientName) => {
      pin(clientName);
      return settings.client ?? pinned ?? '';
    },
  });
  // 2026-07-28 requests each get a fresh server: they share one connection's sign-in memory.
  const modernConnection = newConnectionState();
  const router = createRouter({
    sessionServer: () => {
      const server = serving.newServer();
      server.server.oninitialized = () => pin(server.server.getClientVersion()?.name);
      return server;
    },
    requestServer: () => serving.newServer(modernConnection),
    onerror: (error) => log.debug(`http: ${error.message}`),
  });
  const handle = toNodeHandler(router, { onerror: (error) => log.debug(`http: ${error.message}`) });

  // From here on a signal stops the server the orderly way (a signal before listening, too).
  const stop = untilStopped();
  let port = opts.http.port;
  let stopping = false;
  /** Requests being answered (not the long-lived GET streams, which never end on their own). */
  const underWay = new Set<Promise<void>>();
  const server = createHttpServer((req, res) => {
    const verdict = admit(
      {
        host: req.headers.host,
        origin: req.headers.origin,
        authorization: req.headers.authorization,
        path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
      },
      { port, secret },
    );
    if (!verdict.ok) return refuse(res, verdict.status, verdict.message);
    if (stopping) return refuse(res, 503, 'Service Unavailable: the server is shutting down');
    if (req.method !== 'GET') {
      const answered = new Promise<void>((done) => res.once('close', done));
      underWay.add(answered);
      void answered.then(() => underWay.delete(answered));
    }
    void handle(req, res).catch((error: Error) => log.debug(`http: ${error.message}`));
  });

  try {
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      server.listen(opts.http.port, '127.0.0.1', () => {
        server.off('error', failed);
        listening();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(
      code === 'EADDRINUSE'
        ? `hostsmith-mcp: port ${opts.http.port} on 127.0.0.1 is in use (another serve --http?). Choose another with --port.\n`
        : `hostsmith-mcp: cannot listen on 127.0.0.1:${opts.http.port}: ${(error as Error).message}\n`,
    );
    stop.release();
    return 1;
  }
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}${MCP_PATH}`;
  // The one secret this process prints: the person pastes it into the host's config.
  io.err(
    [
      `hostsmith-mcp: serving MCP over local HTTP at ${url}`,
      `hostsmith-mcp: HTTP secret: ${secret}`,
      `hostsmith-mcp: send it as "Authorization: Bearer <secret>", or use ${url}/<secret> for a host that cannot send headers. ${
        secretFile
          ? `It is kept in ${secretFile}.`
          : 'It changes at every start; --http-secret-file keeps one.'
      } Ctrl-C stops the server.`,
      '',
    ].join('\n'),
  );

  await stop.stopped;
  try {
    stopping = true;
    server.close();
    server.closeIdleConnections();
    if (underWay.size > 0) {
      log.info(
        `Stopping: letting ${underWay.size} request(s) under way finish (up to ${HTTP_DRAIN_MS / 1000} s).`,
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(underWay),
        new Promise((bound) => {
          timer = setTimeout(bound, HTTP_DRAIN_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    await shutdown({
      stopServing: async () => {
        await router.close();
        server.closeAllConnections();
      },
      workspaces: serving.workspaces(),
      critical: criticalSections,
      log,
    });
  } finally {
    stop.release();
  }
  return 0;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(status === 401 ? { 'www-authenticate': 'Bearer realm="hostsmith-mcp"' } : {}),
  });
  res.end(body);
}
