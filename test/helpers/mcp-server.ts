// Runs the BUILT server (bin/hostsmith-mcp.js → dist/) as a child process over stdio, with the
// official SDK client, exactly as an MCP host does. Everything it writes — every protocol
// message on stdout and every stderr line — is captured for the secret scan.
//
//   const server = await startServer({ api: sandbox.api, configDir });
//   const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
//   server.stderr(); await server.close();
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { captured, captureMessage } from './capture.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/hostsmith-mcp.js');
export const BROWSER_CLI = join(ROOT, 'test/helpers/browser-cli.ts');

/** tsx's loader by absolute URL: `--import tsx` would resolve from whatever the cwd is. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** The scripted browser as a BROWSER command line (see test/helpers/browser-cli.ts). */
export const SCRIPTED_BROWSER = `${process.execPath} --import ${TSX_LOADER} ${BROWSER_CLI}`;

export function tempDir(prefix = 'hostsmith-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface StartServerOptions {
  api: string;
  configDir: string;
  /** Extra CLI arguments, after the defaults (--storage file). */
  args?: string[];
  /** Node's own options, before the program (e.g. --import of a preload). */
  nodeArgs?: string[];
  /** Extra environment (BROWSER, SCRIPTED_BROWSER_*, …). BROWSER defaults to the scripted browser. */
  env?: Record<string, string>;
  clientName?: string;
  /** The server's entry point (default BIN): a copy nobody can read, for one run as nobody. */
  bin?: string;
  /** A command the server runs under, e.g. setpriv's words to drop root; node and its args follow. */
  runUnder?: string[];
  clientOptions?: ConstructorParameters<typeof Client>[1];
}

export interface RunningServer {
  client: Client;
  /** The server process (a browser it launches runs under it; see browsersUnder). */
  pid: number;
  stderr(): string;
  /**
   * What the client could not read as a message (a stdout line that is not JSON-RPC). Empty means
   * the captured messages are all the server wrote on stdout.
   */
  transportErrors(): string[];
  /**
   * Every progress notification the server sent, in order, as read off the wire. The SDK client
   * hands a notification to `onprogress` a microtask late and drops the handler when the answer
   * arrives, so when both are read in one chunk (a busy machine) `onprogress` never sees the last
   * update: tests that check what the server sent read it here (slice from a `.length` taken
   * before the call).
   */
  progressSent(): ProgressSent[];
  close(): Promise<void>;
}

export interface ProgressSent {
  progressToken: string | number;
  progress: number;
  total?: number;
  message?: string;
}

/** A transport that records every message the server sends before the client sees it. */
class TappedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  readonly errors: string[] = [];
  readonly progress: ProgressSent[] = [];
  constructor(readonly inner: StdioClientTransport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => {
      this.errors.push(String(error));
      captured.push(String(error));
      this.onerror?.(error);
    };
    inner.onmessage = (message) => {
      captureMessage(message);
      if ('method' in message && message.method === 'notifications/progress' && !('id' in message))
        this.progress.push(message.params as unknown as ProgressSent);
      this.onmessage?.(message);
    };
  }
  start() {
    return this.inner.start();
  }
  send(message: Parameters<StdioClientTransport['send']>[0]) {
    return this.inner.send(message);
  }
  close() {
    return this.inner.close();
  }
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const argv = [
    ...(opts.runUnder ?? []),
    process.execPath,
    ...(opts.nodeArgs ?? []),
    opts.bin ?? BIN,
    '--storage',
    'file',
    ...(opts.args ?? []),
  ];
  const inner = new StdioClientTransport({
    command: argv[0] ?? process.execPath,
    args: argv.slice(1),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: opts.configDir,
      HOSTSMITH_API_URL: opts.api,
      HOSTSMITH_MCP_CONFIG_DIR: opts.configDir,
      BROWSER: SCRIPTED_BROWSER,
      ...opts.env,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  inner.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr += text;
    captured.push(text);
  });
  const client = new Client(
    { name: opts.clientName ?? 'hostsmith-e2e', version: '1.0.0' },
    opts.clientOptions,
  );
  const tapped = new TappedTransport(inner);
  await client.connect(tapped);
  const pid = inner.pid;
  if (pid === null) throw new Error('the server process has no PID');
  return {
    client,
    pid,
    stderr: () => stderr,
    transportErrors: () => [...tapped.errors],
    progressSent: () => [...tapped.progress],
    close: () => client.close(),
  };
}
