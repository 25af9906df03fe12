// The built server with nothing between a test and its stdin: raw bytes in, raw lines out, for
// what no SDK client would send (malformed lines, over-limit lines, a sudden end of input).
// Everything it writes is captured for the file's secret scan.
//
//   const server = rawServer({ api: sandbox.api, configDir });
//   await server.initialize();
//   await server.write('{not json\n');
//   expect(await server.answer(null)).toMatchObject({ error: { code: -32700 } });
//   expect(await server.end()).toEqual({ code: 0, signal: null });
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { captured } from './capture.js';
import { BIN } from './mcp-server.js';

export type Id = string | number | null;

export interface Answer {
  jsonrpc: '2.0';
  id: Id;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface RawServer {
  /** Writes bytes as they are (no newline added); resolves once the pipe has taken them. */
  write(data: string | Buffer): Promise<void>;
  /** Writes a message as one line and resolves with the answer carrying its id. */
  request(message: { id: string | number; method: string; params?: unknown }): Promise<Answer>;
  /** The next answer carrying `id` not handed out before (answers with id null come in order). */
  answer(id: Id): Promise<Answer>;
  /** initialize + notifications/initialized, as a 2025-era client opens. */
  initialize(): Promise<Answer>;
  /** Every stdout line so far. */
  lines(): string[];
  stderr(): string;
  /** Ends stdin and resolves with how the process ended. */
  end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (stdin stays open) and resolves with how the process ended. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RawServerOptions {
  api: string;
  configDir: string;
  /** Extra CLI arguments, after --storage file. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
}

export function rawServer(opts: RawServerOptions): RawServer {
  const child = spawn(process.execPath, [BIN, '--storage', 'file', ...(opts.args ?? [])], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: opts.configDir,
      HOSTSMITH_API_URL: opts.api,
      HOSTSMITH_MCP_CONFIG_DIR: opts.configDir,
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': by then stdout and stderr are read to their end, so stderr() is whole.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  // A server that exits while a test still writes must fail the test, not crash the runner.
  child.stdin.on('error', () => {});
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  const taken = new Set<number>();
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    const cut = stdout.lastIndexOf('\n');
    if (cut === -1) return;
    const complete = stdout.slice(0, cut).split('\n');
    stdout = stdout.slice(cut + 1);
    lines.push(...complete);
    captured.push(...complete);
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderr += text;
    captured.push(text);
  });
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });

  const find = (id: Id): Answer | undefined => {
    for (const [i, line] of lines.entries()) {
      if (taken.has(i)) continue;
      const message = parseLine(line);
      if (message && 'id' in message && message.id === id && !('method' in message)) {
        taken.add(i);
        return message as unknown as Answer;
      }
    }
    return undefined;
  };
  const answer = (id: Id) =>
    new Promise<Answer>((resolve, reject) => {
      const check = () => {
        const found = find(id);
        if (found) {
          waiters.delete(check);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(
            new Error(`the server exited (${child.exitCode ?? child.signalCode}) without answering id ${id}`),
          );
        }
      };
      waiters.add(check);
      check();
    });
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) =>
      child.stdin.write(data, (error) => (error ? reject(error) : resolve())),
    );
  const request: RawServer['request'] = async (message) => {
    await write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    return answer(message.id);
  };

  return {
    write,
    request,
    answer,
    async initialize() {
      const answered = await request({
        id: 'init',
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      await write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      return answered;
    },
    lines: () => [...lines],
    stderr: () => stderr,
    async end() {
      child.stdin.end();
      return exited;
    },
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

/** Every stdout line is one JSON-RPC 2.0 message: a response (id may be null) or a notification. */
export function expectOnlyJsonRpc(lines: readonly string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const message = parseLine(line);
    expect(message, `not JSON-RPC on stdout: ${line.slice(0, 200)}`).toBeDefined();
    const ok =
      message !== undefined &&
      message.jsonrpc === '2.0' &&
      (typeof message.method === 'string' ||
        (('result' in message || 'error' in message) &&
          (typeof message.id === 'string' || typeof message.id === 'number' || message.id === null)));
    expect(ok, `not JSON-RPC on stdout: ${line.slice(0, 200)}`).toBe(true);
  }
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
