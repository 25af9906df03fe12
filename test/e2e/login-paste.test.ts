// `login --no-browser` where the browser runs on another machine: it cannot reach our loopback
// callback, so the person pastes the address it failed to open, and that is checked like a real
// callback (state, iss, one use).
import { spawn } from 'node:child_process';
import { afterAll, expect, it, vi } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { captured, expectNoSecretsIn } from '../helpers/capture.js';
import { BIN, tempDir } from '../helpers/mcp-server.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';

const sandbox = await startSandbox({ port: 0, autoApprove: true });
afterAll(async () => {
  expectNoSecretsIn(sandbox.window.secrets(), captured);
  await sandbox.close();
});

/** Travels the sign-in in a browser whose machine cannot reach our loopback: it stops at the callback. */
async function callbackUrlFrom(link: string): Promise<string> {
  let callback: string | undefined;
  const browser = new ScriptedBrowser({
    onRequest: (url) => {
      if (new URL(url).pathname === '/callback') {
        callback = url;
        throw new Error('unreachable from the other machine');
      }
    },
  });
  await browser.open(link).catch(() => {});
  if (!callback) throw new Error('the browser never reached the callback');
  return callback;
}

it('login --no-browser accepts a pasted callback URL, and refuses one with the wrong state', async () => {
  const configDir = tempDir();
  const child = spawn(
    process.execPath,
    [BIN, 'login', '--no-browser', '--client', 'remote', '--storage', 'file'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configDir,
        HOSTSMITH_API_URL: sandbox.api,
        HOSTSMITH_MCP_CONFIG_DIR: configDir,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
    captured.push(c.toString());
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c;
    captured.push(c.toString());
  });
  // 'close', not 'exit': by then stdout has been read to its end.
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  // Hang guards only: a loaded machine can take seconds to start node and print a line.
  const until = (test: () => boolean) =>
    vi.waitFor(() => expect(test()).toBe(true), { timeout: 30_000, interval: 50 });
  await until(() => /paste the address/.test(stdout));
  const link = /(http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/.exec(stdout)?.[1];
  expect(link).toBeDefined();
  const callback = await callbackUrlFrom(link!);

  const forged = new URL(callback);
  forged.searchParams.set('state', 'forged-state-value');
  child.stdin.write(`${forged.href}\n`);
  await until(() => /different sign-in/.test(stderr));

  child.stdin.write(`${callback}\n`);
  expect(await exited).toBe(0);
  expect(stdout).toContain('Signed in to Hostsmith as ada@example.com');
}, 90_000);
