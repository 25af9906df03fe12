// `npm run sandbox` as a child process: the --json line first, the window over HTTP, and a
// clean exit on SIGTERM and SIGINT.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { call } from '../helpers/sandbox.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LINE_WAIT_MS = 60_000;

// Whatever a failed test left running is stopped here, by the process group this file started.
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid)
      process.kill(-child.pid, 'SIGKILL');
  }
});

interface Started {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  ms: number;
  exited: Promise<number | null>;
}

/** Spawns the command and resolves at the first line on stdout that is not npm's own banner. */
function start(command: string, args: string[]): Promise<Started> {
  const started = performance.now();
  // Its own process group, so a signal can reach the whole job as a terminal's Ctrl-C does.
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((ok, fail) => {
    let buffer = '';
    const lines: string[] = [];
    // npm, tsx and the sandbox start on cores other test files share: a hang guard only.
    const timer = setTimeout(
      () => fail(new Error(`no line within ${LINE_WAIT_MS / 1000} s; stderr: ${stderr}`)),
      LINE_WAIT_MS,
    );
    child.stdout?.on('data', (c: Buffer) => {
      buffer += c.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
      const program = lines.filter((l) => l.trim() !== '' && !l.startsWith('> '));
      if (program.length > 0) {
        clearTimeout(timer);
        ok({ child, lines, stderr: () => stderr, ms: performance.now() - started, exited });
      }
    });
    child.once('exit', (code) => fail(new Error(`exited ${code} before a line; stderr: ${stderr}`)));
  });
}

function programLines(lines: string[]): string[] {
  return lines.filter((l) => l.trim() !== '' && !l.startsWith('> '));
}

// Room for the first line's wait plus the rest of a test.
describe('npm run sandbox', { timeout: LINE_WAIT_MS + 60_000 }, () => {
  test('-- --port 0 --json --auto-approve: the JSON line first, a working API, gone on SIGTERM', async () => {
    // How fast that line comes is measured in bench/sandbox-start.mjs (whole processes, on a quiet
    // machine), not asserted here, where other test files share the cores.
    const s = await start('npm', ['run', 'sandbox', '--', '--port', '0', '--json', '--auto-approve']);
    const first = programLines(s.lines)[0]!;
    const endpoints = JSON.parse(first) as { api: string; issuer: string };
    expect(Object.keys(endpoints).sort()).toEqual(['api', 'issuer']);
    expect(endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.api).not.toBe(endpoints.issuer);

    const prm = await call<{ resource: string; authorization_servers: string[] }>(
      endpoints.api,
      'GET',
      '/.well-known/oauth-protected-resource',
    );
    expect(prm.json).toMatchObject({ resource: endpoints.api, authorization_servers: [endpoints.issuer] });
    const meta = await fetch(`${endpoints.issuer}/.well-known/oauth-authorization-server`);
    expect(meta.status).toBe(200);
    expect(((await meta.json()) as { issuer: string }).issuer).toBe(endpoints.issuer);
    const log = await call<{ requests: Array<{ server: string; path: string }> }>(
      endpoints.api,
      'GET',
      '/_sandbox/requests',
    );
    expect(log.json.requests.map((r) => [r.server, r.path])).toEqual([
      ['api', '/.well-known/oauth-protected-resource'],
      ['issuer', '/.well-known/oauth-authorization-server'],
    ]);

    // npm does not pass a signal sent to it alone down to the script (sh sits between them), so
    // signal the job's process group, as a terminal does. npm itself then dies of the signal; the
    // sandbox's own exit code is checked in the tests below, without npm.
    const stopped = performance.now();
    process.kill(-s.child.pid!, 'SIGTERM');
    await s.exited;
    expect(performance.now() - stopped).toBeLessThan(15_000); // a hang guard, not a speed check
    // Nothing after the JSON line on stdout; the banner went to stderr.
    expect(programLines(s.lines)).toEqual([first]);
    expect(s.stderr()).toContain('"HOSTSMITH_API_URL"');
    await expect(fetch(`${endpoints.api}/.well-known/oauth-protected-resource`)).rejects.toThrow();
  });

  test('tsx sandbox/main.ts --json: the very first stdout line is the JSON object; SIGINT exits 0', async () => {
    const tsx = resolve(ROOT, 'node_modules/.bin/tsx');
    const s = await start(tsx, ['sandbox/main.ts', '--port', '0', '--json']);
    expect(s.lines[0]).toMatch(
      /^\{"api":"http:\/\/127\.0\.0\.1:\d+","issuer":"http:\/\/127\.0\.0\.1:\d+"\}$/,
    );
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
  });

  test('without --json the banner on stdout says what to paste into an MCP client, and who can sign in', async () => {
    const tsx = resolve(ROOT, 'node_modules/.bin/tsx');
    const s = await start(tsx, ['sandbox/main.ts', '--port', '0']);
    // The banner may come in more than one chunk: wait for its users and its JSON's last line.
    await vi.waitFor(
      () => {
        expect(s.lines.join('\n')).toContain('lin@example.com');
        expect(s.lines).toContain('}');
      },
      { timeout: 30_000, interval: 20 },
    );
    const out = s.lines.join('\n');
    const json = s.lines.slice(s.lines.indexOf('{'), s.lines.lastIndexOf('}') + 1).join('\n');
    const config = JSON.parse(json) as {
      mcpServers: { hostsmith: { command: string; args: string[]; env: { HOSTSMITH_API_URL: string } } };
    };
    expect(config.mcpServers.hostsmith.command).toBe('npx');
    expect(config.mcpServers.hostsmith.args).toEqual(['-y', 'hostsmith-mcp']);
    expect(config.mcpServers.hostsmith.env.HOSTSMITH_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toContain('ada@example.com');
    expect(out).toContain('lin@example.com');
    expect(out).toContain('hostsmith'); // the password
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  test('a bad flag exits 2 with the usage', async () => {
    const tsx = resolve(ROOT, 'node_modules/.bin/tsx');
    const child = spawn(tsx, ['sandbox/main.ts', '--rate-limit', 'lots'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise((done) => child.once('exit', done));
    expect(code).toBe(2);
    expect(stderr).toContain('--rate-limit');
    expect(stderr).toContain('Usage');
  });
});
