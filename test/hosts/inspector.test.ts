// The MCP Inspector's CLI, on a Node 22 from the npm registry (both pinned, from the test cache,
// see test/helpers/npm-cache.ts), against the BUILT server and the sandbox, over stdio and over
// local HTTP (`serve --http`, the secret as a bearer header): tools/list with --strict finds no
// portability problem in any tool schema, and tools/call runs create_site and list_sites with a
// sign-in made by `hostsmith-mcp login` in a terminal, which the server finds in the Inspector's
// own client folder (its clientInfo name).
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import { captured } from '../helpers/capture.js';
import { e2e } from '../helpers/e2e.js';
import { type RunningHttpServer, startHttpServer } from '../helpers/http-server.js';
import { BIN, tempDir } from '../helpers/mcp-server.js';
import { INSPECTOR, NODE_22, npmCacheInstall } from '../helpers/npm-cache.js';
import { runCli, show } from '../keychain/run-cli.js';
import { type LoopbackGuard, startLoopbackGuard } from './loopback-guard.js';

/** The name the Inspector's CLI gives itself in initialize, hence the server's client folder. */
const INSPECTOR_CLIENT = 'inspector-cli';

const env = await e2e();
/** The Inspector's HOME and working folder, and the server's config root. */
const home = tempDir('hostsmith-inspector-');
let node22 = '';
let inspector = '';
let guard: LoopbackGuard;
beforeAll(async () => {
  guard = await startLoopbackGuard();
});
afterAll(async () => {
  await guard.close();
  // The Inspector (and the server it starts) stayed on loopback.
  expect(guard.attempts).toEqual([]);
});

beforeAll(async () => {
  [node22, inspector] = await Promise.all([
    npmCacheInstall(NODE_22),
    npmCacheInstall(INSPECTOR, 'mcp-inspector'),
  ]);
}, 600_000);

interface Inspected {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where the Inspector finds the server: it starts it over stdio, or connects to `serve --http`. */
type Target = { stdio: true } | { url: string; secret: string };
const STDIO: Target = { stdio: true };

function targetArgs(target: Target, configDir: string): string[] {
  if ('url' in target) {
    return [
      '--transport',
      'http',
      '--server-url',
      target.url,
      '--header',
      `Authorization: Bearer ${target.secret}`,
    ];
  }
  const serverEnv = {
    HOSTSMITH_API_URL: env.sandbox.api,
    HOSTSMITH_MCP_CONFIG_DIR: configDir,
    HOSTSMITH_MCP_STORAGE: 'file',
  };
  return [
    ...Object.entries(serverEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    // The server on the machine's Node: the Inspector needs 22, the server runs on 20 and up.
    '--',
    process.execPath,
    BIN,
  ];
}

/** One Inspector CLI run with the given method's flags, in `configDir` as its HOME. */
function inspect(args: string[], target: Target = STDIO, configDir = home): Promise<Inspected> {
  return new Promise((resolve) => {
    execFile(
      node22,
      // Last: the server's command after `--` (stdio), or the variadic --header (HTTP).
      [inspector, '--cli', '--format', 'json', ...args, ...targetArgs(target, configDir)],
      {
        cwd: configDir,
        env: { PATH: process.env.PATH ?? '', HOME: configDir, ...guard.env },
        encoding: 'utf8',
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        captured.push(stdout, stderr);
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const described = (r: Inspected) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The result of a `--format json` run: `{ result, schemaFindings? }` on stdout. */
function envelope(r: Inspected): { result: Record<string, unknown>; schemaFindings?: unknown } {
  expect(r.code, described(r)).toBe(0);
  return JSON.parse(r.stdout);
}

/** tools/list with --strict: the 11 tools, each with an output schema, and no finding at all. */
async function expectStrictList(target: Target): Promise<void> {
  const listed = await inspect(['--method', 'tools/list', '--strict'], target);
  const { result, schemaFindings } = envelope(listed);
  const tools = result.tools as Array<{ name: string; outputSchema?: unknown }>;
  expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
  expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
  // With findings, --strict puts them in the envelope and writes each on stderr with a count.
  expect(schemaFindings, JSON.stringify(schemaFindings, null, 2)).toBeUndefined();
  expect(listed.stderr).not.toMatch(/^(Warning|Error): tool|\d+ errors?, \d+ warnings?|portability/m);
}

/**
 * `hostsmith-mcp login` in a terminal for the Inspector's client folder under `configDir`, then
 * create_site and list_sites through the Inspector: the server finds that sign-in, and opens no
 * tab of its own.
 */
async function expectCallsWithTerminalSignIn(target: Target, configDir: string, name: string): Promise<void> {
  const tabs = env.tabs();
  const login = await runCli(['login', '--client', INSPECTOR_CLIENT, '--storage', 'file'], {
    api: env.sandbox.api,
    configDir,
    env: { SCRIPTED_BROWSER_LOG: env.browserLog },
  });
  expect(login.code, show(login)).toBe(0);
  expect(env.tabs()).toBe(tabs + 1);

  const created = envelope(
    await inspect(
      ['--method', 'tools/call', '--tool-name', 'create_site', '--tool-args-json', JSON.stringify({ name })],
      target,
      configDir,
    ),
  ).result;
  const site = created.structuredContent as { id: string; name: string };
  expect(site.name).toBe(name);

  const listed = envelope(
    await inspect(['--method', 'tools/call', '--tool-name', 'list_sites'], target, configDir),
  ).result;
  expect(listed.isError).toBeFalsy();
  const sites = (listed.structuredContent as { sites: Array<{ id: string; name: string }> }).sites;
  expect(sites).toContainEqual(expect.objectContaining({ id: site.id, name }));
  const text = (listed.content as Array<{ type: string; text?: string }>).map((c) => c.text).join('\n');
  expect(text).toContain(`${name} (${site.id}, us)`);
  // Neither call needed a sign-in of its own: the server found the terminal's.
  expect(env.tabs()).toBe(tabs + 1);
}

describe('the MCP Inspector CLI over stdio', () => {
  it('runs on a Node 22 from the npm registry that meets its engines (>= 22.19)', async () => {
    const version = await new Promise<string>((resolve, reject) =>
      execFile(node22, ['--version'], { encoding: 'utf8' }, (e, out) =>
        e ? reject(e) : resolve(out.trim()),
      ),
    );
    const [major, minor] = version.slice(1).split('.').map(Number);
    expect(major).toBe(22);
    expect(minor).toBeGreaterThanOrEqual(19);
  });

  it('lists the 11 tools, and --strict finds 0 errors and 0 warnings in their schemas', async () => {
    await expectStrictList(STDIO);
  });

  // Three processes in a row (login, then two Inspector runs): room for a loaded machine.
  it('calls create_site and list_sites with a sign-in made in a terminal for its client folder', {
    timeout: 180_000,
  }, async () => {
    await expectCallsWithTerminalSignIn(STDIO, home, `inspector-${process.pid}`);
  });
});

describe('the MCP Inspector CLI over local HTTP (serve --http)', () => {
  /** The server's config root and HOME, and the Inspector's: a sign-in apart from the stdio one. */
  const httpHome = tempDir('hostsmith-inspector-http-');
  let server: RunningHttpServer;
  let target: Target;

  beforeAll(async () => {
    server = await startHttpServer({
      api: env.sandbox.api,
      configDir: httpHome,
      env: { SCRIPTED_BROWSER_LOG: env.browserLog },
    });
    target = { url: server.url, secret: server.secret };
  });
  afterAll(async () => {
    // Every session the Inspector opened is over: SIGTERM ends the server at once, cleanly.
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    // The folder is the first MCP client's name, and it was the Inspector.
    expect(server.stderr()).toContain(`uses the client folder "${INSPECTOR_CLIENT}"`);
  });

  it('lists the 11 tools, and --strict finds 0 errors and 0 warnings in their schemas', async () => {
    await expectStrictList(target);
  });

  // The server runs on; the sign-in made in a terminal meanwhile is found at the next call.
  it('calls create_site and list_sites with a sign-in made in a terminal for its client folder', {
    timeout: 180_000,
  }, async () => {
    await expectCallsWithTerminalSignIn(target, httpHome, `inspector-http-${process.pid}`);
  });
});
