// Codex (the real CLI, pinned in test/hosts/versions.json) as the MCP host of the built server,
// against the sandbox, with the scripted model on loopback as a Responses API provider. Headless
// (`codex exec`), in a throw-away HOME, with every request that leaves loopback caught by the guard.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e } from '../helpers/e2e.js';
import { BIN, ROOT, tempDir } from '../helpers/mcp-server.js';
import { requireKeychain } from '../keychain/keychain.js';
import { installedHost } from './host-cache.js';
import {
  expectSignedInThroughResult,
  expectSitesListed,
  loginInNewHome,
  SIGN_IN_THROUGH_RESULT,
  serverEntryEnv,
  sessionBus,
  signInScript,
} from './host-session.js';
import { type LoopbackGuard, startLoopbackGuard } from './loopback-guard.js';
import {
  elicitations,
  hostInfo,
  listSitesScript,
  readTap,
  runHost,
  show,
  TAP_SERVER,
  type TapMessage,
  TOOLS,
} from './run-host.js';
import { type Script, type ScriptedModel, startScriptedModel } from './scripted-model.js';

const env = await e2e();
/** Codex offers an MCP server's tools in a namespace, `mcp__hostsmith`; the call names both. */
const name = (tool: string) => `mcp__hostsmith__${tool}`;
const CLIENT = 'codex-mcp-client';
let guard: LoopbackGuard;
beforeAll(async () => {
  guard = await startLoopbackGuard();
});
afterAll(() => guard.close());

/** The README's `env_vars` line for Codex on Linux (keychain bus, display, browser). */
function readmeEnvVars(): string {
  const line = readFileSync(join(ROOT, 'README.md'), 'utf8').match(/^env_vars = \[.*\]$/m)?.[0];
  if (!line) throw new Error('README.md has no `env_vars = [...]` line for Codex');
  return line;
}

interface Session {
  model: ScriptedModel;
  run: Awaited<ReturnType<typeof runHost>>;
  tap: TapMessage[];
}

async function codex(
  script: Script,
  opts: {
    home?: string;
    serverArgs?: string[];
    serverEnv?: Record<string, string>;
    hostEnv?: Record<string, string>;
    /** Lines added under [mcp_servers.hostsmith] by hand (`codex mcp add` cannot write them). */
    entryLines?: string[];
  } = {},
): Promise<Session> {
  const { bin } = installedHost('@openai/codex');
  const home = opts.home ?? tempDir('hostsmith-codex-');
  const model = await startScriptedModel(script);
  const tapLog = join(tempDir('hostsmith-tap-'), 'tap.log');
  try {
    mkdirSync(join(home, '.codex'), { recursive: true });
    // The scripted model as a Responses provider; no approvals; Codex's own traffic off: update
    // check, analytics (ab.chatgpt.com), plugins (their marketplace on github.com, chatgpt.com).
    writeFileSync(
      join(home, '.codex/config.toml'),
      [
        'model = "scripted"',
        'model_provider = "scripted"',
        'approval_policy = "never"',
        'check_for_update_on_startup = false',
        '',
        '[model_providers.scripted]',
        'name = "Scripted model"',
        `base_url = "${model.url}/v1"`,
        'wire_api = "responses"',
        'env_key = "SCRIPTED_MODEL_API_KEY"',
        '',
        '[analytics]',
        'enabled = false',
        '',
        '[features]',
        'plugins = false',
        '',
      ].join('\n'),
    );
    const hostEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      SCRIPTED_MODEL_API_KEY: 'scripted',
      ...guard.env,
      ...opts.hostEnv,
    };
    // The server's settings go in the entry (README): Codex passes a server only a few variables.
    const serverEnv = serverEntryEnv(env, tapLog, opts.serverEnv);
    const add = await runHost(
      bin,
      [
        'mcp',
        'add',
        'hostsmith',
        ...Object.entries(serverEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        '--',
        process.execPath,
        TAP_SERVER,
        BIN,
        ...(opts.serverArgs ?? ['--storage', 'file']),
      ],
      { env: hostEnv, cwd: home },
    );
    expect(add.code, show(add)).toBe(0);
    // Codex gives an optional server one second to start before leaving its tools out of the
    // turn (openai/codex#38689); `required = true` makes it wait, so a loaded machine cannot
    // turn this test into a test of our start-up time.
    const entry = ['required = true', ...(opts.entryLines ?? [])];
    const config = join(home, '.codex/config.toml');
    const text = readFileSync(config, 'utf8');
    expect(text).toContain('[mcp_servers.hostsmith]\n');
    writeFileSync(
      config,
      text.replace('[mcp_servers.hostsmith]\n', `[mcp_servers.hostsmith]\n${entry.join('\n')}\n`),
    );
    const run = await runHost(bin, ['exec', '--skip-git-repo-check', 'List my Hostsmith sites.'], {
      env: hostEnv,
      cwd: home,
    });
    return { model, run, tap: readTap(tapLog) };
  } finally {
    await model.close();
  }
}

function expectToolsOffered(model: ScriptedModel): void {
  expect(model.unknown).toEqual([]);
  expect(guard.attempts).toEqual([]);
  const offered = model.turns[0]?.tools.filter((t) => t.startsWith('mcp__hostsmith__')).sort();
  expect(offered, JSON.stringify(model.turns.map((t) => t.tools))).toEqual(TOOLS.map(name));
}

describe('Codex as the host', { timeout: 150_000 }, () => {
  it('signed in with `hostsmith-mcp login` in a terminal (file storage): the server Codex starts finds it', async () => {
    const home = await loginInNewHome(env, { prefix: 'hostsmith-codex-', client: CLIENT, storage: 'file' });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run, tap } = await codex(script, { home });
    expect(run.code, show(run)).toBe(0);
    // The client folder is the host's own name, which `login --client codex-mcp-client` named.
    expect(hostInfo(tap)).toMatchObject({ protocolVersion: '2025-06-18', clientInfo: { name: CLIENT } });
    expectToolsOffered(model);
    expectSitesListed(env, results, tabs);
    expect(run.stdout.trim()).toBe('Done.');
  });

  it('not signed in: Codex declines the dialog at once, our browser gets the link, the model gets it in the result; after the sign-in the next call lists the sites', async () => {
    const tabs = env.tabs();
    const seen = signInScript(name);
    const { model, run, tap } = await codex(seen.script, SIGN_IN_THROUGH_RESULT);
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    // Codex speaks 2025-06-18 yet declares URL elicitation, and answers every dialog itself.
    expect(hostInfo(tap).capabilities?.elicitation).toMatchObject({ form: {}, url: {} });
    const asked = elicitations(tap);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.params).toMatchObject({ mode: 'url', url: seen.links[0] });
    expect(asked[0]?.answer).toMatchObject({ action: 'decline' });
    await expectSignedInThroughResult(env, seen, tabs);
  });

  it('signed in with `login` into the keychain: the server Codex starts reaches it with the README’s env_vars line', async () => {
    requireKeychain();
    const home = await loginInNewHome(env, {
      prefix: 'hostsmith-codex-',
      client: CLIENT,
      storage: 'keychain',
    });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run, tap } = await codex(script, {
      home,
      serverArgs: ['--storage', 'keychain'],
      hostEnv: sessionBus(),
      entryLines: [readmeEnvVars()],
    });
    expect(run.code, show(run)).toBe(0);
    expect(tap.length, show(run)).toBeGreaterThan(0);
    expectToolsOffered(model);
    expectSitesListed(env, results, tabs);
  });

  it('a keychain sign-in without that line: the model is told the fix, and no second sign-in starts', async () => {
    requireKeychain();
    const home = await loginInNewHome(env, {
      prefix: 'hostsmith-codex-',
      client: CLIENT,
      storage: 'keychain',
    });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    // The default storage (auto), the bus in Codex's own environment only.
    const { run } = await codex(script, { home, serverArgs: [], hostEnv: sessionBus() });
    expect(run.code, show(run)).toBe(0);
    expect(results).toHaveLength(1);
    expect(results[0]).toContain('env_vars = ["DBUS_SESSION_BUS_ADDRESS"]');
    expect(results[0]).not.toContain('ada-portfolio');
    expect(env.tabs()).toBe(tabs);
  });
});
