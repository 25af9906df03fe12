// Claude Code (the real CLI, pinned in test/hosts/versions.json) as the MCP host of the built
// server, against the sandbox, with the scripted model on loopback as its Anthropic API. Headless
// (`claude -p`), in a throw-away HOME, with every request that leaves loopback caught by the guard.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e } from '../helpers/e2e.js';
import { BIN, tempDir } from '../helpers/mcp-server.js';
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
const name = (tool: string) => `mcp__hostsmith__${tool}`;
let guard: LoopbackGuard;
beforeAll(async () => {
  guard = await startLoopbackGuard();
});
afterAll(() => guard.close());

interface Session {
  home: string;
  model: ScriptedModel;
  run: Awaited<ReturnType<typeof runHost>>;
  /** What passed between Claude Code and the server (test/hosts/tap-server.mjs). */
  tap: TapMessage[];
}

/** A throw-away HOME with hostsmith added the way the README says, then one `claude -p`. */
async function claude(
  script: Script,
  opts: {
    home?: string;
    serverArgs?: string[];
    serverEnv?: Record<string, string>;
    hostEnv?: Record<string, string>;
  } = {},
): Promise<Session> {
  const { bin } = installedHost('@anthropic-ai/claude-code');
  const home = opts.home ?? tempDir('hostsmith-claude-');
  const model = await startScriptedModel(script);
  const tapLog = join(tempDir('hostsmith-tap-'), 'tap.log');
  try {
    const hostEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: 'sk-ant-scripted-model',
      // Claude Code's own switches for telemetry, error reports, update checks and other traffic.
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
      // Headless Claude Code waits about 2 s for MCP servers, then sends the first turn without
      // the late ones (anthropics/claude-code#76239); a loaded machine took longer. Block until
      // they connect (checked with a server held back 4 s: fails without, passes with).
      MCP_CONNECTION_NONBLOCKING: 'false',
      MCP_CONNECT_TIMEOUT_MS: '30000',
      ...guard.env,
      ...opts.hostEnv,
    };
    const serverEnv = serverEntryEnv(env, tapLog, opts.serverEnv);
    // The server's settings go in the entry (README): the API, and the scripted browser.
    const add = await runHost(
      bin,
      [
        'mcp',
        'add',
        '-s',
        'user',
        'hostsmith',
        ...Object.entries(serverEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        '--',
        process.execPath,
        TAP_SERVER,
        BIN,
        ...(opts.serverArgs ?? ['--storage', 'file']),
      ],
      { env: hostEnv, cwd: home },
    );
    expect(add.code, show(add)).toBe(0);
    const run = await runHost(
      bin,
      ['-p', 'List my Hostsmith sites.', '--allowedTools', name('list_sites'), '--output-format', 'json'],
      { env: hostEnv, cwd: home },
    );
    return { home, model, run, tap: readTap(tapLog) };
  } finally {
    await model.close();
  }
}

/** What every session must show: all 11 tools offered and loaded, nothing off loopback. */
function expectToolsOffered(model: ScriptedModel): void {
  expect(model.unknown).toEqual([]);
  expect(guard.attempts).toEqual([]);
  const [first, second] = model.turns;
  // Offered by name (deferred), then loaded with their schemas by the model's ToolSearch.
  expect(first?.deferred.filter((t) => t.startsWith('mcp__hostsmith__')).sort()).toEqual(TOOLS.map(name));
  expect(second?.results.at(-1)?.name).toBe('ToolSearch');
  for (const tool of TOOLS) expect(second?.results.at(-1)?.text).toContain(`"${name(tool)}"`);
}

describe('Claude Code as the host', { timeout: 150_000 }, () => {
  it('signed in with `hostsmith-mcp login` in a terminal (file storage): the server Claude Code starts finds it', async () => {
    const home = await loginInNewHome(env, {
      prefix: 'hostsmith-claude-',
      client: 'claude-code',
      storage: 'file',
    });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run, tap } = await claude(script, { home });
    expect(run.code, show(run)).toBe(0);
    // The client folder is the host's own name, which `login --client claude-code` named.
    const info = hostInfo(tap);
    expect(info.clientInfo?.name).toBe('claude-code');
    // Claude Code probes with server/discover (2026-07-28) and, when the probe finds no answer in
    // time (a server still starting on a loaded machine), starts over with initialize (2025-11-25).
    expect(['2026-07-28', '2025-11-25']).toContain(info.protocolVersion);
    expectToolsOffered(model);
    expectSitesListed(env, results, tabs);
    expect(JSON.parse(run.stdout)).toMatchObject({ is_error: false, result: 'Done.' });
  });

  it('not signed in: the link reaches the model in the tool result, our browser opened it; after the sign-in the next call lists the sites', async () => {
    const tabs = env.tabs();
    const seen = signInScript(name);
    const { model, run, tap } = await claude(seen.script, SIGN_IN_THROUGH_RESULT);
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    // Headless Claude Code declares URL elicitation and answers the dialog with cancel at once:
    // the link went to our browser instead, and reached the model in the tool result.
    expect(hostInfo(tap).capabilities?.elicitation).toMatchObject({ form: {}, url: {} });
    const asked = elicitations(tap);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.params).toMatchObject({ mode: 'url', url: seen.links[0] });
    expect(asked[0]?.answer).toMatchObject({ action: 'cancel' });
    await expectSignedInThroughResult(env, seen, tabs);
    expect(JSON.parse(run.stdout)).toMatchObject({ is_error: false, result: 'Done.' });
  });

  it('signed in with `login` into the keychain: the server Claude Code starts reaches it over the inherited session bus', async () => {
    requireKeychain();
    const home = await loginInNewHome(env, {
      prefix: 'hostsmith-claude-',
      client: 'claude-code',
      storage: 'keychain',
    });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    // Claude Code passes its own environment to the servers it starts: the bus is in the host's.
    const { model, run } = await claude(script, {
      home,
      serverArgs: ['--storage', 'keychain'],
      hostEnv: sessionBus(),
    });
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    expectSitesListed(env, results, tabs);
  });
});
