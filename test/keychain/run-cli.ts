// Runs one command of the BUILT CLI (bin/hostsmith-mcp.js) as a child process, the way a person
// runs it in a terminal, against a sandbox; stdout and stderr go into the file's capture for the
// secret scan. The keychain's session bus is passed through so --storage auto|keychain reach it.
import { execFile } from 'node:child_process';
import { captured } from '../helpers/capture.js';
import { BIN, SCRIPTED_BROWSER } from '../helpers/mcp-server.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  api: string;
  configDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: opts.configDir,
    HOSTSMITH_API_URL: opts.api,
    HOSTSMITH_MCP_CONFIG_DIR: opts.configDir,
    BROWSER: SCRIPTED_BROWSER,
    ...(process.env.DBUS_SESSION_BUS_ADDRESS
      ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
      : {}),
    ...opts.env,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env, timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        captured.push(stdout, stderr);
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A compact description for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}
