// What `serve` shares over stdio and over local HTTP: the workspaces (store, session, API client)
// opened on the first tool call, the MCP server factory wired to them, and the wait for a signal.
// Makes no network call and opens no browser at start.
import { resolve } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Settings } from '../../config.js';
import type { Logger } from '../../log.js';
import type { ConnectionState } from '../../mcp/connection-state.js';
import { loginCommand } from '../../mcp/login-command.js';
import { createServer, type Workspace } from '../../mcp/server.js';
import { ALL_TOOLS } from '../../mcp/tools/index.js';
import { selectTools } from '../../mcp/tools/scopes.js';
import { shellFor, toPlatform } from '../../shell-quote.js';

type OpenWorkspace = Workspace & { close(options?: { abort?: boolean }): Promise<void> };

export interface ServingOptions {
  settings: Settings;
  version: string;
  log: Logger;
  /** The client folder for a call from the MCP client named so (undefined: it gave no name). */
  clientFolder(clientName: string | undefined): string;
}

export interface Serving {
  /** A server for one connection; `connection` shares sign-in memory between servers. */
  newServer(connection?: ConnectionState): McpServer;
  /** The workspaces opened so far (each a promise: one may still be opening). */
  workspaces(): Iterable<Promise<OpenWorkspace>>;
}

export function createServing(opts: ServingOptions): Serving {
  const { settings, log } = opts;
  // --read-only, --toolsets, --tools, --exclude-tools: an unknown name throws here, at start.
  const tools = selectTools(ALL_TOOLS, settings);
  const workspaces = new Map<string, Promise<OpenWorkspace>>();
  // The store's "still waiting on the keychain" notices, passed on to the tool calls in flight.
  const storeWaitListeners = new Set<(message: string) => void>();
  const onKeychainWait = (message: string) => {
    for (const listener of storeWaitListeners) listener(message);
  };

  const workspaceFor = (clientName: string | undefined) => {
    const key = opts.clientFolder(clientName);
    let workspace = workspaces.get(key);
    if (!workspace) {
      // Loaded on the first tool call: OAuth, the store and the keychain cost nothing at start.
      workspace = import('../shared/workspace.js').then(({ openWorkspace }) =>
        openWorkspace({ settings, clientName: key || undefined, log, interactive: true, onKeychainWait }),
      );
      // A failure (say, an unusable keychain) is reported to this call and retried on the next.
      workspace.catch(() => workspaces.delete(key));
      workspaces.set(key, workspace);
    }
    return workspace;
  };

  const platform = toPlatform(process.platform);
  const { apiUrl, configDir, storage, profile } = settings;
  const login = (clientFolder: string) => ({
    // An absolute --config-dir: the terminal's working folder is not this server's.
    command: loginCommand(
      {
        clientFolder,
        apiUrl,
        storage,
        ...(configDir ? { configDir: resolve(configDir) } : {}),
        ...(profile ? { profile } : {}),
        readOnly: settings.readOnly,
      },
      platform,
    ),
    shell: shellFor(platform),
  });
  // The browser module loads on the first use: nothing at start but the protocol.
  const openBrowser = async (url: string) => {
    const { createBrowserOpener } = await import('../../auth/browser.js');
    return createBrowserOpener({ noBrowser: settings.noBrowser })(url);
  };

  return {
    newServer: (connection) =>
      createServer({
        version: opts.version,
        workspaceFor,
        signInWaitMs: settings.signInWaitSeconds * 1000,
        confirm: settings.confirm,
        openBrowser,
        loginCommand: login,
        log,
        tools,
        // A read-only server never grows its grant; any other asks for what a call lacked.
        stepUp: !settings.readOnly,
        subscribeStoreWaits: (listener) => {
          storeWaitListeners.add(listener);
          return () => storeWaitListeners.delete(listener);
        },
        ...(connection ? { connection } : {}),
      }),
    workspaces: () => workspaces.values(),
  };
}

/**
 * Resolves on SIGINT, SIGTERM or any of `triggers` firing. The signal listeners stay on until
 * `release`: with none of ours left, the lock library's exit hook would re-raise the signal and
 * kill the process mid-write.
 */
export function untilStopped(triggers: Array<(stop: () => void) => void> = []): {
  stopped: Promise<void>;
  release(): void;
} {
  let stopping!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stopping = resolve;
  });
  const onSignal = () => stopping();
  for (const trigger of triggers) trigger(stopping);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
