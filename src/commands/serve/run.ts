// `hostsmith-mcp serve`: the MCP server over stdio. Makes no network call and opens no browser
// at start; everything that needs the person's credentials is built on the first tool call.
import { resolve } from 'node:path';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { criticalSections } from '../../auth/critical.js';
import type { Settings } from '../../config.js';
import type { IO } from '../../io.js';
import { createLogger } from '../../log.js';
import { loginCommand } from '../../mcp/login-command.js';
import { createServer, type Workspace } from '../../mcp/server.js';
import { FramedStdioTransport } from '../../mcp/stdio/transport.js';
import { shellFor, toPlatform } from '../../shell-quote.js';
import { shutdown } from './shutdown.js';

export interface ServeOptions {
  settings: Settings;
  io: IO;
  version: string;
}

export async function run(opts: ServeOptions): Promise<number> {
  const log = createLogger({ write: opts.io.err });
  const workspaces = new Map<
    string,
    Promise<Workspace & { close(options?: { abort?: boolean }): Promise<void> }>
  >();
  // The store's "still waiting on the keychain" notices, passed on to the tool calls in flight.
  const storeWaitListeners = new Set<(message: string) => void>();
  const onKeychainWait = (message: string) => {
    for (const listener of storeWaitListeners) listener(message);
  };

  const workspaceFor = (clientName: string | undefined) => {
    const key = opts.settings.client ?? clientName ?? '';
    let workspace = workspaces.get(key);
    if (!workspace) {
      // Loaded on the first tool call: OAuth, the store and the keychain cost nothing at start.
      workspace = import('../shared/workspace.js').then(({ openWorkspace }) =>
        openWorkspace({
          settings: opts.settings,
          clientName: key || undefined,
          log,
          interactive: true,
          onKeychainWait,
        }),
      );
      // A failure (say, an unusable keychain) is reported to this call and retried on the next.
      workspace.catch(() => workspaces.delete(key));
      workspaces.set(key, workspace);
    }
    return workspace;
  };

  const platform = toPlatform(process.platform);
  const { apiUrl, configDir, storage } = opts.settings;
  const login = (clientFolder: string) => ({
    // An absolute --config-dir: the terminal's working folder is not this server's.
    command: loginCommand(
      { clientFolder, apiUrl, storage, ...(configDir ? { configDir: resolve(configDir) } : {}) },
      platform,
    ),
    shell: shellFor(platform),
  });
  // The browser module loads on the first use: nothing at start but the protocol.
  const openBrowser = async (url: string) => {
    const { createBrowserOpener } = await import('../../auth/browser.js');
    return createBrowserOpener({ noBrowser: opts.settings.noBrowser })(url);
  };

  const transport = new FramedStdioTransport({ log });
  const handle = serveStdio(
    () =>
      createServer({
        version: opts.version,
        workspaceFor,
        signInWaitMs: opts.settings.signInWaitSeconds * 1000,
        openBrowser,
        loginCommand: login,
        log,
        subscribeStoreWaits: (listener) => {
          storeWaitListeners.add(listener);
          return () => storeWaitListeners.delete(listener);
        },
      }),
    { transport, onerror: (error) => log.debug(`transport: ${error.message}`) },
  );

  // The client closing our stdin, the host going, or a signal: all end the same way (shutdown.ts).
  // The signal listeners stay on until shutdown is over: with none of ours left, the lock
  // library's exit hook would re-raise the signal and kill the process mid-write.
  let stopping!: () => void;
  const stop = new Promise<void>((resolve) => {
    stopping = resolve;
  });
  const onSignal = () => stopping();
  process.stdin.once('end', stopping);
  process.stdin.once('close', stopping);
  void transport.closed.then(stopping);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await stop;
  try {
    await shutdown({
      stopServing: () => handle.close(),
      workspaces: workspaces.values(),
      critical: criticalSections,
      log,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
