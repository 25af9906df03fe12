// Gemini CLI (the real CLI, pinned in test/hosts/versions.json) as the MCP host of the built
// server, against the sandbox, with the scripted model on loopback as its Gemini API. Headless
// (`gemini -p … --yolo -o json`), in a throw-away HOME, with every request that leaves loopback
// caught by the guard.
import { mkdirSync, writeFileSync } from 'node:fs';
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
    const serverEnv = serverEntryEnv(env, tapLog, opts.serverEnv);
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

describe('Gemini CLI as the host', { timeout: 150_000 }, () => {
  it('signed in with `hostsmith-mcp login` in a terminal (file storage): the server Gemini CLI starts finds it', async () => {
    const home = await loginInNewHome(env, { prefix: 'hostsmith-gemini-', client: CLIENT, storage: 'file' });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run, tap } = await gemini(script, { home });
    expect(run.code, show(run)).toBe(0);
    expect(hostInfo(tap)).toMatchObject({ protocolVersion: '2025-06-18', clientInfo: { name: CLIENT } });
    expectToolsOffered(model);
    expectSitesListed(env, results, tabs);
    expect(JSON.parse(run.stdout)).toMatchObject({ response: 'Done.' });
  });

  it('not signed in: no elicitation, so our browser gets the link and the model gets it in the result; after the sign-in the next call lists the sites', async () => {
    const tabs = env.tabs();
    const seen = signInScript(name);
    const { model, run, tap } = await gemini(seen.script, SIGN_IN_THROUGH_RESULT);
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    expect(hostInfo(tap).capabilities?.elicitation).toBeUndefined();
    expect(elicitations(tap)).toEqual([]);
    await expectSignedInThroughResult(env, seen, tabs);
  });

  it('signed in with `login` into the keychain: the server Gemini CLI starts reaches it over the session bus', async () => {
    requireKeychain();
    const home = await loginInNewHome(env, {
      prefix: 'hostsmith-gemini-',
      client: CLIENT,
      storage: 'keychain',
    });
    const tabs = env.tabs();
    const { script, results } = listSitesScript({ name });
    const { model, run } = await gemini(script, {
      home,
      serverArgs: ['--storage', 'keychain'],
      hostEnv: sessionBus(),
    });
    expect(run.code, show(run)).toBe(0);
    expectToolsOffered(model);
    expectSitesListed(env, results, tabs);
  });
});
