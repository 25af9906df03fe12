// Gemini CLI (the real CLI, pinned in test/hosts/versions.json) as the MCP host of the built
// server, against the sandbox, with the scripted model on loopback as its Gemini API. Headless
// (`gemini -p … --yolo -o json`), in a throw-away HOME, with every request that leaves loopback
// caught by the guard.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e } from '../helpers/e2e.js';
import { BIN, SCRIPTED_BROWSER, tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';
import { requireKeychain, secretToolLookup } from '../keychain/keychain.js';
import { runCli, show as showCli } from '../keychain/run-cli.js';
import { installedHost } from './host-cache.js';
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
const name = (tool: string) => `mcp_hostsmith_${tool}`;
const CLIENT = 'gemini-cli-mcp-client';
let guard: LoopbackGuard;
beforeAll(async () => {
  guard = await startLoopbackGuard();
});
afterAll(() => guard.close());

interface Session {
  model: ScriptedModel;
  run: Awaited<ReturnType<typeof runHost>>;
  tap: TapMessage[];
}

async function gemini(
  script: Script,
  opts: {
    home?: string;
    serverArgs?: string[];
    serverEnv?: Record<string, string>;
    hostEnv?: Record<string, string>;
  } = {},
): Promise<Session> {
  const { bin } = installedHost('@google/gemini-cli');
  const home = opts.home ?? tempDir('hostsmith-gemini-');
  const model = await startScriptedModel(script);
  const tapLog = join(tempDir('hostsmith-tap-'), 'tap.log');
  try {
    mkdirSync(join(home, '.gemini'), { recursive: true });
    // An API key sign-in (the scripted model takes any key); usage statistics (Clearcut, at
    // play.googleapis.com: the guard caught it), telemetry and update checks off.
    writeFileSync(
      join(home, '.gemini/settings.json'),
      JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' } },
        privacy: { usageStatisticsEnabled: false },
        telemetry: { enabled: false },
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      }),
    );
    // Headless Gemini CLI works in a trusted folder only.
    writeFileSync(join(home, '.gemini/trustedFolders.json'), JSON.stringify({ [home]: 'TRUST_FOLDER' }));
    const hostEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      GEMINI_API_KEY: 'scripted-model-key',
      GOOGLE_GEMINI_BASE_URL: model.url,
      ...guard.env,
      ...opts.hostEnv,
    };
    const serverEnv = {
      HOSTSMITH_API_URL: env.sandbox.api,
      BROWSER: SCRIPTED_BROWSER,
      SCRIPTED_BROWSER_LOG: env.browserLog,
      HOSTSMITH_TAP_LOG: tapLog,
      ...opts.serverEnv,
    };
    const add = await runHost(
      bin,
      [
        'mcp',
        'add',
        '-s',
        'user',
        ...Object.entries(serverEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        'hostsmith',
        process.execPath,
        TAP_SERVER,
        BIN,
        ...(opts.serverArgs ?? ['--storage', 'file']),
      ],
      { env: hostEnv, cwd: home },
    );
    expect(add.code, show(add)).toBe(0);
    // A fixed model: the default ("auto") first asks a classifier model for a JSON score.
    const run = await runHost(
      bin,
      ['-p', 'List my Hostsmith sites.', '-m', 'gemini-2.5-flash', '--yolo', '-o', 'json'],
      {
        env: hostEnv,
        cwd: home,
      },
    );
    return { model, run, tap: readTap(tapLog) };
  } finally {
    await model.close();
  }
}

function expectToolsOffered(model: ScriptedModel): void {
  expect(model.unknown).toEqual([]);
  expect(guard.attempts).toEqual([]);
  const offered = model.turns[0]?.tools.filter((t) => t.startsWith('mcp_hostsmith_')).sort();
  expect(offered).toEqual(TOOLS.map(name));
}

const SITES = ['ada-portfolio', 'ada-notes', 'ada-eu-mirror'];

describe('Gemini CLI as the host', { timeout: 150_000 }, () => {
  it('signed in with `hostsmith-mcp login` in a terminal (file storage): the server Gemini CLI starts finds it', async () => {
    const home = tempDir('hostsmith-gemini-');
    const login = await runCli(['login', '--client', CLIENT, '--storage', 'file'], {
      api: env.sandbox.api,
      configDir: join(home, '.config'),
      env: { HOME: home, SCRIPTED_BROWSER_LOG: env.browserLog },
    });
    expect(login.code, showCli(login)).toBe(0);
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run, tap } = await gemini(script, { home });
    expect(run.code, show(run)).toBe(0);
    expect(hostInfo(tap)).toMatchObject({ protocolVersion: '2025-06-18', clientInfo: { name: CLIENT } });
    expectToolsOffered(model);
    expect(results).toHaveLength(1);
    for (const site of SITES) expect(results[0]).toContain(site);
    expect(JSON.parse(run.stdout)).toMatchObject({ response: 'Done.' });
    expect(env.tabs()).toBe(tabs);
  });

  it('not signed in: no elicitation, so our browser gets the link and the model gets it in the result; after the sign-in the next call lists the sites', async () => {
    const tabs = env.tabs();
    const links: string[] = [];
    const { script, results } = listSitesScript({
      name,
      signIn: async (link) => {
        links.push(link);
        await completeSignIn(link, { action: 'approve' });
      },
    });
    const { model, run, tap } = await gemini(script, {
      serverArgs: ['--storage', 'file', '--sign-in-wait', '1'],
      serverEnv: { SCRIPTED_BROWSER_ACTION: 'ignore' },
    });
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    expect(hostInfo(tap).capabilities?.elicitation).toBeUndefined();
    expect(elicitations(tap)).toEqual([]);
    expect(results).toHaveLength(2);
    expect(links).toHaveLength(1);
    expect(results[0]).toMatch(/waiting for the user.*call this tool again/i);
    await env.tabsLogged(tabs + 1);
    expect(readFileSync(env.browserLog, 'utf8')).toContain(links[0]);
    for (const site of SITES) expect(results[1]).toContain(site);
  });

  it('signed in with `login` into the keychain: the server Gemini CLI starts reaches it over the session bus', async () => {
    requireKeychain();
    const home = tempDir('hostsmith-gemini-');
    const bus = { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '' };
    const login = await runCli(['login', '--client', CLIENT, '--storage', 'keychain'], {
      api: env.sandbox.api,
      configDir: join(home, '.config'),
      env: { HOME: home, SCRIPTED_BROWSER_LOG: env.browserLog, ...bus },
    });
    expect(login.code, showCli(login)).toBe(0);
    expect(await secretToolLookup(`${CLIENT}|${env.sandbox.api}`)).toBeDefined();
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run } = await gemini(script, {
      home,
      serverArgs: ['--storage', 'keychain'],
      hostEnv: bus,
    });
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    expect(results).toHaveLength(1);
    for (const site of SITES) expect(results[0]).toContain(site);
    expect(env.tabs()).toBe(tabs);
  });
});
