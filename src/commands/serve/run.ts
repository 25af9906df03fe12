// `hostsmith-mcp serve`: the MCP server over stdio (or, with --http, local HTTP: http.ts). Makes
// no network call and opens no browser at start; everything that needs the person's credentials
// is built on the first tool call.
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { criticalSections } from '../../auth/critical.js';
import type { Settings } from '../../config.js';
import type { IO } from '../../io.js';
import { createLogger } from '../../log.js';
import { FramedStdioTransport } from '../../mcp/stdio/transport.js';
import type { HttpOptions } from './http-options.js';
import { createServing, untilStopped } from './serving.js';
import { shutdown } from './shutdown.js';

export interface ServeOptions {
  settings: Settings;
  io: IO;
  version: string;
  /** Serve local HTTP instead of stdio. */
  http?: HttpOptions;
}

export async function run(opts: ServeOptions): Promise<number> {
  if (opts.http) {
    // Loaded only for --http: the stdio start stays as small as it was.
    const { runHttp } = await import('./http.js');
    return runHttp({ ...opts, http: opts.http });
  }
  const log = createLogger({ write: opts.io.err });
  // Each connection's MCP client names its own folder, unless --client does.
  const serving = createServing({
    settings: opts.settings,
    version: opts.version,
    log,
    clientFolder: (clientName) => opts.settings.client ?? clientName ?? '',
  });

  const transport = new FramedStdioTransport({ log });
  const handle = serveStdio(() => serving.newServer(), {
    transport,
    onerror: (error) => log.debug(`transport: ${error.message}`),
  });

  // The client closing our stdin, the host going, or a signal: all end the same way (shutdown.ts).
  const stop = untilStopped([
    (stopping) => process.stdin.once('end', stopping),
    (stopping) => process.stdin.once('close', stopping),
    (stopping) => void transport.closed.then(stopping),
  ]);
  await stop.stopped;
  try {
    await shutdown({
      stopServing: () => handle.close(),
      workspaces: serving.workspaces(),
      critical: criticalSections,
      log,
    });
  } finally {
    stop.release();
  }
  return 0;
}
