// Which process owns a sign-in, across real processes: `login` waits on a sign-in and the built
// server, on the same folder, joins it while its owner answers the liveness probe. A marker left
// by a hard-killed owner — its PID now some other live process, its port taken by another
// program — is not joined: the next process starts its own sign-in at once.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captured } from '../helpers/capture.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { BIN, tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();

const owners: ChildProcess[] = [];
afterAll(() => {
  for (const child of owners) child.kill('SIGKILL');
});

/** `login --no-browser` for client folder `client`: a process that owns a sign-in and waits. */
async function loginWaiting(configDir: string, client: string) {
  const child = spawn(
    process.execPath,
    [BIN, 'login', '--no-browser', '--client', client, '--storage', 'file', '--timeout', '120'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configDir,
        HOSTSMITH_API_URL: env.sandbox.api,
        HOSTSMITH_MCP_CONFIG_DIR: configDir,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  owners.push(child);
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c;
    captured.push(c.toString());
  });
  child.stderr?.on('data', (c: Buffer) => captured.push(c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 400 && !/Waiting up to/.test(stdout); i++) await new Promise((r) => setTimeout(r, 50));
  const link =
    /Open this link to sign in, if no browser opened: (http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/.exec(
      stdout,
    )?.[1];
  expect(link, stdout).toBeDefined();
  return { child, link: link as string, exited, stdout: () => stdout };
}

const storeFile = (configDir: string, client: string) => join(configDir, client, 'hostsmith/oauth.json');

describe('the owner of a sign-in in another process', () => {
  it('is joined while it answers: no second tab, and its sign-in signs in both', async () => {
    const configDir = tempDir();
    const owner = await loginWaiting(configDir, 'joiner');
    const tabs = env.tabs();
    const server = await env.server({ configDir, clientName: 'joiner', args: ['--sign-in-wait', '1'] });
    const first = await server.client.callTool({ name: 'get_account', arguments: {} });
    expect(first.isError).toBe(true);
    expect(text(first)).toContain(owner.link); // the owner's link: joined
    env.expectNoBrowser(server.pid, tabs); // and no browser of its own

    await completeSignIn(owner.link);
    expect(await owner.exited).toBe(0);
    expect(owner.stdout()).toContain('Signed in to Hostsmith as ada@example.com');
    const second = ok<{ user: { email: string } }>(
      await server.client.callTool({ name: 'get_account', arguments: {} }),
    );
    expect(second.user.email).toBe('ada@example.com');
    env.expectNoBrowser(server.pid, tabs);
    await server.close();
  });

  it('hard-killed, with its PID alive again and its port taken, is not joined: a fresh sign-in starts at once', async () => {
    const configDir = tempDir();
    const owner = await loginWaiting(configDir, 'killed');
    owner.child.kill('SIGKILL');
    await owner.exited;
    const file = storeFile(configDir, 'killed');
    const content = JSON.parse(readFileSync(file, 'utf8'));
    const marker = content.pending_sign_ins[env.sandbox.api];
    expect(marker.url).toBe(owner.link); // left behind by the kill

    // Windows reuses PIDs: the marker's now belongs to a live, unrelated process (this test run).
    marker.pid = process.pid;
    writeFileSync(file, JSON.stringify(content, null, 2), { mode: 0o600 });
    // And another program now listens on the dead owner's port, answering everything.
    const requests: string[] = [];
    const stranger = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('0'.repeat(64));
    });
    await new Promise<void>((resolve) =>
      stranger.listen(Number(new URL(owner.link).port), '127.0.0.1', resolve),
    );

    try {
      const tabs = env.tabs();
      const server = await env.server({ configDir, clientName: 'killed', args: ['--sign-in-wait', '20'] });
      const result = ok<{ user: { email: string } }>(
        await server.client.callTool({ name: 'get_account', arguments: {} }),
      );
      expect(result.user.email).toBe('ada@example.com');
      expect(env.tabs()).toBe(tabs + 1); // its own sign-in, in its own tab
      const opened = readFileSync(env.browserLog, 'utf8').trim().split('\n').at(-1) ?? '';
      expect(JSON.parse(opened).url).not.toBe(owner.link);
      expect(requests.length).toBeGreaterThan(0); // it did ask whoever listens there…
      expect(requests.every((path) => path.startsWith('/alive/'))).toBe(true); // …never for the start link
      expect(JSON.parse(readFileSync(file, 'utf8')).pending_sign_ins).toEqual({});
      await server.close();
    } finally {
      stranger.closeAllConnections();
      stranger.close();
    }
  });
});
