// Shared set-up for end-to-end files: one sandbox per file (in-process, free ports), the built
// server as child processes on a store folder of their own, and the scripted browser as BROWSER
// with a log of every tab it was asked to open.
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, expect } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/index.js';
import { browsersUnder, tabsIn, tabsLogged } from './browser-log.js';
import { captured, expectNoSecretsIn } from './capture.js';
import { type RunningServer, type StartServerOptions, startServer, tempDir } from './mcp-server.js';

export interface E2E {
  sandbox: Sandbox;
  configDir: string;
  browserLog: string;
  /** How many tabs the scripted browser was asked to open so far. */
  tabs(): number;
  /** Wait until `n` tabs are logged (an ignored tab's process may log it late). */
  tabsLogged(n: number): Promise<void>;
  /**
   * Process `pid` launched no browser since `tabs` were logged: no scripted browser runs under it,
   * then none logged a tab (in that order: a launched browser that has not logged yet still runs).
   */
  expectNoBrowser(pid: number, tabs: number): void;
  server(opts?: Partial<StartServerOptions>): Promise<RunningServer>;
}

export async function e2e(options: SandboxOptions = {}): Promise<E2E> {
  // Many calls in few seconds: the contract's limits would answer 429 to a test, not to a person.
  const sandbox = await startSandbox({ port: 0, autoApprove: true, rateLimit: 10_000, ...options });
  const configDir = tempDir();
  const browserLog = join(configDir, 'browser.log');
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    // Everything this file captured, scanned for every secret the sandbox issued or received.
    expectNoSecretsIn(sandbox.window.secrets(), captured);
    await sandbox.close();
  });
  return {
    sandbox,
    configDir,
    browserLog,
    tabs: () => tabsIn(browserLog),
    tabsLogged: (n) => tabsLogged(browserLog, n),
    expectNoBrowser(pid, tabs) {
      expect(browsersUnder(pid), 'browsers launched and not yet logged').toEqual([]);
      expect(tabsIn(browserLog), 'browser tabs logged').toBe(tabs);
    },
    async server(opts = {}) {
      const server = await startServer({
        api: sandbox.api,
        configDir,
        ...opts,
        env: { SCRIPTED_BROWSER_LOG: browserLog, ...opts.env },
      });
      servers.push(server);
      return server;
    },
  };
}

export function text(
  result: CallToolResult | Awaited<ReturnType<RunningServer['client']['callTool']>>,
): string {
  const content = (result as CallToolResult).content ?? [];
  return content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A successful call's structured result. */
export function ok<T = Record<string, unknown>>(
  result: Awaited<ReturnType<RunningServer['client']['callTool']>>,
): T {
  expect((result as CallToolResult).isError, text(result)).toBeFalsy();
  return (result as CallToolResult).structuredContent as T;
}
