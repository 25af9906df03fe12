// Runs the BUILT server with `serve --http` as a child process, and connects the official SDK
// client to it over Streamable HTTP, as an HTTP-capable MCP host does. Its stderr is captured for
// the secret scan; the URL and the secret are read from what it prints at start.
//
//   const server = await startHttpServer({ api: sandbox.api, configDir });
//   const client = await server.connect({ name: 'host-a' });
//   await client.callTool({ name: 'list_sites', arguments: {} });
//   expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { captured } from './capture.js';
import { BIN, SCRIPTED_BROWSER } from './mcp-server.js';

export interface HttpServerOptions {
  api: string;
  configDir: string;
  /** Extra CLI arguments, after `serve --http --port 0 --storage file`. */
  args?: string[];
  env?: Record<string, string>;
}

export interface ConnectOptions {
  name: string;
  /** How the secret travels (default: the bearer header). */
  secretIn?: 'header' | 'path' | 'none';
  clientOptions?: ConstructorParameters<typeof Client>[1];
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface RunningHttpServer {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  port: number;
  secret: string;
  stderr(): string;
  connect(opts: ConnectOptions): Promise<Client>;
  /** Sends a signal and resolves with how the process ended. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
}

export interface RawAnswer {
  status: number;
  body: string;
}

/** One POST with the headers given as they are (Host included), for what fetch will not send. */
export function rawPost(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'serve', '--http', '--port', '0', '--storage', 'file', ...(opts.args ?? [])],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: opts.configDir,
        HOSTSMITH_API_URL: opts.api,
        HOSTSMITH_MCP_CONFIG_DIR: opts.configDir,
        BROWSER: SCRIPTED_BROWSER,
        ...opts.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  // 'close', not 'exit': by then stderr is read to its end, so stderr() is whole after kill().
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  const started = new Promise<{ url: string; secret: string }>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      captured.push(text);
      const url = /serving MCP over local HTTP at (\S+)/.exec(stderr)?.[1];
      const secret = /HTTP secret: (\S+)/.exec(stderr)?.[1];
      if (url && secret) resolve({ url, secret });
    });
    void exited.then((exit) =>
      reject(new Error(`serve --http ended before it listened (${JSON.stringify(exit)}): ${stderr}`)),
    );
  });
  const { url, secret } = await started;
  const clients: Client[] = [];
  return {
    url,
    port: Number(new URL(url).port),
    secret,
    stderr: () => stderr,
    async connect({ name, secretIn = 'header', clientOptions }) {
      const transport = new StreamableHTTPClientTransport(
        new URL(secretIn === 'path' ? `${url}/${secret}` : url),
        {
          ...(secretIn === 'header'
            ? { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }
            : {}),
        },
      );
      const client = new Client({ name, version: '1.0.0' }, clientOptions);
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const exit = await exited;
      await Promise.allSettled(clients.map((c) => c.close()));
      return exit;
    },
  };
}
