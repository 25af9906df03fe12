// The MCP Inspector's CLI, on a Node 22 from the npm registry (both pinned, from the test cache,
// see test/helpers/npm-cache.ts), against the BUILT server over stdio and the sandbox:
// tools/list with --strict finds no portability problem in any tool schema, and tools/call runs
// create_site and list_sites with a sign-in made by `hostsmith-mcp login` in a terminal, which the
// server the Inspector starts finds in the Inspector's own client folder (its clientInfo name).
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import { captured } from '../helpers/capture.js';
import { e2e } from '../helpers/e2e.js';
import { BIN, tempDir } from '../helpers/mcp-server.js';
import { INSPECTOR, NODE_22, npmCacheInstall } from '../helpers/npm-cache.js';
import { runCli, show } from '../keychain/run-cli.js';

/** The name the Inspector's CLI gives itself in initialize, hence the server's client folder. */
const INSPECTOR_CLIENT = 'inspector-cli';

const env = await e2e();
/** The Inspector's HOME and working folder, and the server's config root. */
const home = tempDir('hostsmith-inspector-');
let node22 = '';
let inspector = '';

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

/** One Inspector CLI run: it starts the built server over stdio with the given method's flags. */
function inspect(args: string[]): Promise<Inspected> {
  const serverEnv = {
    HOSTSMITH_API_URL: env.sandbox.api,
    HOSTSMITH_MCP_CONFIG_DIR: home,
    HOSTSMITH_MCP_STORAGE: 'file',
  };
  return new Promise((resolve) => {
    execFile(
      node22,
      [
        inspector,
        '--cli',
        '--format',
        'json',
        ...Object.entries(serverEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        ...args,
        '--',
        // The server on the machine's Node: the Inspector needs 22, the server runs on 20 and up.
        process.execPath,
        BIN,
      ],
      { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home }, encoding: 'utf8', timeout: 60_000 },
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
    const listed = await inspect(['--method', 'tools/list', '--strict']);
    const { result, schemaFindings } = envelope(listed);
    const tools = result.tools as Array<{ name: string; outputSchema?: unknown }>;
    expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
    expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
    // With findings, --strict puts them in the envelope and writes each on stderr with a count.
    expect(schemaFindings, JSON.stringify(schemaFindings, null, 2)).toBeUndefined();
    expect(listed.stderr).not.toMatch(/^(Warning|Error): tool|\d+ errors?, \d+ warnings?|portability/m);
  });

  // Three processes in a row (login, then two Inspector runs): room for a loaded machine.
  it('calls create_site and list_sites with a sign-in made in a terminal for its client folder', {
    timeout: 180_000,
  }, async () => {
    const login = await runCli(['login', '--client', INSPECTOR_CLIENT, '--storage', 'file'], {
      api: env.sandbox.api,
      configDir: home,
      env: { SCRIPTED_BROWSER_LOG: env.browserLog },
    });
    expect(login.code, show(login)).toBe(0);
    const tabs = env.tabs();
    expect(tabs).toBe(1);

    const name = `inspector-${process.pid}`;
    const created = envelope(
      await inspect([
        '--method',
        'tools/call',
        '--tool-name',
        'create_site',
        '--tool-args-json',
        JSON.stringify({ name }),
      ]),
    ).result;
    const site = created.structuredContent as { id: string; name: string };
    expect(site.name).toBe(name);

    const listed = envelope(await inspect(['--method', 'tools/call', '--tool-name', 'list_sites'])).result;
    expect(listed.isError).toBeFalsy();
    const sites = (listed.structuredContent as { sites: Array<{ id: string; name: string }> }).sites;
    expect(sites).toContainEqual(expect.objectContaining({ id: site.id, name }));
    const text = (listed.content as Array<{ type: string; text?: string }>).map((c) => c.text).join('\n');
    expect(text).toContain(`${name} (${site.id}, us)`);
    // Neither call needed a sign-in of its own: the server found the terminal's.
    expect(env.tabs()).toBe(tabs);
  });
});
