// Hosts that answer the sign-in dialog for the person: headless Claude Code answers `cancel`,
// Codex `decline`, both at once and without showing anything. A no within HOST_ANSWER_MS (1 s)
// of asking is the host's: the link goes the way of a client without elicitation (our browser,
// the wait, the link in the tool error). A later no is the person's: the call ends at once with
// the link and the terminal command that signs in where this server looks, and the sign-in stays
// open. On each protocol family: 2025-06-18 (Codex, Gemini CLI), 2025-11-25 and 2026-07-28.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { captured } from '../helpers/capture.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { BIN, SCRIPTED_BROWSER, tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();
const ELICITATION = { capabilities: { elicitation: { url: {} } } };
/** Longer than HOST_ANSWER_MS: a person who read the dialog. */
const PERSON_PAUSE_MS = 1500;

type No = 'decline' | 'cancel';
type ClientOptions = NonNullable<Parameters<typeof env.server>[0]>['clientOptions'];
// [protocol, client options, the quick answer (as that family's real host gives it), the slow one]
const FAMILIES: Array<[string, ClientOptions, No, No]> = [
  ['2025-06-18', { ...ELICITATION, supportedProtocolVersions: ['2025-06-18'] }, 'decline', 'cancel'],
  ['2025-11-25', ELICITATION, 'cancel', 'decline'],
  ['2026-07-28', { ...ELICITATION, versionNegotiation: { mode: 'auto' } }, 'cancel', 'decline'],
];

/** Answers every sign-in dialog with `action`, after `pauseMs`; returns the links it was shown. */
function answerDialogs(client: Client, action: No, pauseMs: number): string[] {
  const shown: string[] = [];
  client.setRequestHandler('elicitation/create', async (request) => {
    const url = (request.params as { url?: string }).url;
    if (!url) return { action: 'decline' as const };
    shown.push(url);
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return { action };
  });
  return shown;
}

/** The links the scripted browser was asked to open, in order. */
function tabsOpened(): string[] {
  const lines = readFileSync(env.browserLog, 'utf8').trim().split('\n').filter(Boolean);
  return lines.map((line) => (JSON.parse(line) as { url: string }).url);
}

describe.each(FAMILIES)('on a %s connection', (protocol, clientOptions, quick, slow) => {
  it(`"${quick}" at once is the host's: our browser, the wait, the link; the person then finishes`, async () => {
    const tabs = env.tabs();
    const server = await env.server({
      configDir: tempDir(),
      clientOptions,
      args: ['--sign-in-wait', '1'],
      // The tab is logged, then left alone: the person has not got to it yet.
      env: { SCRIPTED_BROWSER_ACTION: 'ignore' },
    });
    expect(server.client.getNegotiatedProtocolVersion()).toBe(protocol);
    const shown = answerDialogs(server.client, quick, 0);

    const first = await server.client.callTool({ name: 'list_sites', arguments: {} });
    expect(first.isError).toBe(true);
    expect(shown).toHaveLength(1);
    const link = shown[0]!;
    expect(text(first)).toContain(link);
    expect(text(first)).toMatch(/waiting for the user.*call this tool again/i);
    // Not shown is not refused: the link went to a browser of ours instead.
    await env.tabsLogged(tabs + 1);
    expect(tabsOpened().at(-1)).toBe(link);
    expect(server.stderr()).toContain(`answered the sign-in dialog (${quick}) at once`);

    // The model calls again before the person is done: the same wait, no dialog, no second tab.
    const second = await server.client.callTool({ name: 'list_sites', arguments: {} });
    expect(second.isError).toBe(true);
    expect(text(second)).toContain(link);
    expect(shown).toHaveLength(1);
    await env.tabsLogged(tabs + 1);

    // The person finishes in that tab; the next call works.
    await completeSignIn(link, { action: 'approve' });
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    await server.close();
  });

  it(`"${quick}" at once, and the person approves in our browser: the call completes`, async () => {
    const tabs = env.tabs();
    // The scripted browser signs in and approves as soon as it is opened.
    const server = await env.server({ configDir: tempDir(), clientOptions });
    const completed: string[] = [];
    server.client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
      completed.push(notification.params.elicitationId);
    });
    const shown = answerDialogs(server.client, quick, 0);
    const account = ok<{ user: { email: string } }>(
      await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }),
    );
    expect(account.user.email).toBe('ada@example.com');
    expect(shown).toHaveLength(1);
    expect(tabsOpened().slice(tabs)).toEqual(shown);
    // The host declined its dialog: there is no dialog to tell "complete" about.
    expect(completed).toEqual([]);
    await server.close();
  });

  it(`"${slow}" after a pause is the person's: the call ends with the link and the login command; the link still works`, async () => {
    const tabs = env.tabs();
    const configDir = tempDir();
    // No --client: the client folder comes from the MCP client's name, so the command names it.
    const server = await env.server({ configDir, clientOptions, clientName: 'Some Host' });
    const shown = answerDialogs(server.client, slow, PERSON_PAUSE_MS);

    const refused = await server.client.callTool({ name: 'list_sites', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(shown).toHaveLength(1);
    const link = shown[0]!;
    expect(text(refused)).toMatch(slow === 'decline' ? /declined signing in/ : /cancelled signing in/);
    expect(text(refused)).toContain(link);
    expect(text(refused)).toContain(
      `running this in a terminal: npx hostsmith-mcp login --client some-host --api-url ${env.sandbox.api} --config-dir ${configDir} --storage file`,
    );
    // The person said no: no browser of ours.
    env.expectNoBrowser(server.pid, tabs);

    // They change their mind: the sign-in is still open at the same link.
    await completeSignIn(link, { action: 'approve' });
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    expect(shown).toHaveLength(1);
    await server.close();
  });
});

it("a host's quick no where there is no display: no browser, stderr says why, the link in the error", async () => {
  const tabs = env.tabs();
  // No BROWSER, no DISPLAY/WAYLAND_DISPLAY: the guess says headless (here, a container).
  const server = await env.server({
    configDir: tempDir(),
    clientOptions: ELICITATION,
    args: ['--sign-in-wait', '1'],
    env: { BROWSER: '' },
  });
  const shown = answerDialogs(server.client, 'cancel', 0);
  const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
  expect(result.isError).toBe(true);
  expect(text(result)).toContain(shown[0]);
  expect(server.stderr()).toMatch(
    /Not opening a browser: (this runs inside a container|there is no display)\. Open the link yourself/,
  );
  expect(env.tabs()).toBe(tabs);
  await server.close();
});

it('the login command in a "no" runs in a real shell and signs in where the server looks', async () => {
  // A folder name that needs quoting, and a client folder taken from the client's name.
  const configDir = join(tempDir(), "Ada's $HOME hosts");
  const server = await env.server({ configDir, clientOptions: ELICITATION, clientName: 'Ada’s Host' });
  const shown = answerDialogs(server.client, 'decline', PERSON_PAUSE_MS);
  const refused = await server.client.callTool({ name: 'list_sites', arguments: {} });
  const command = /running this in a terminal: (npx hostsmith-mcp login .*)$/.exec(text(refused))?.[1];
  expect(command, text(refused)).toBeDefined();
  expect(command).toContain('--client ada-s-host --api-url');
  expect(command).toContain(`--config-dir '${configDir.replace("'", `'\\''`)}'`);

  // As a person types it, with none of the server's environment (no HOSTSMITH_* variables, another
  // HOME): only the command says where to sign in. npx stands for the built CLI here.
  const tabs = env.tabs();
  const line = `${command!.replace(/^npx hostsmith-mcp /, '"$NODE" "$BIN" ')} --timeout 30`;
  const login = spawn('sh', ['-c', line], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tempDir(),
      NODE: process.execPath,
      BIN,
      // Were login to start a sign-in of its own (another folder), this tab would be logged.
      BROWSER: SCRIPTED_BROWSER,
      SCRIPTED_BROWSER_ACTION: 'ignore',
      SCRIPTED_BROWSER_LOG: env.browserLog,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  login.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => login.on('exit', resolve));
  // login joins the sign-in the server has open, and shows its link; the person finishes it.
  const joined = new Promise<string | undefined>((resolve) => {
    login.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const shownLink = /Open this link to sign in, if no browser opened: (\S+)/.exec(stdout)?.[1];
      if (shownLink) resolve(shownLink);
    });
    login.on('exit', () => resolve(undefined));
  });
  expect(await joined, `${stdout}\n${stderr}`).toBe(shown[0]);
  // The link is printed after any browser of login's own would have been launched.
  env.expectNoBrowser(login.pid ?? -1, tabs);
  await completeSignIn(shown[0]!, { action: 'approve' });
  expect(await exited, `${stdout}\n${stderr}`).toBe(0);
  captured.push(stdout, stderr);
  expect(stdout).toContain('Signed in to Hostsmith as ada@example.com');
  expect(env.tabs()).toBe(tabs);
  ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
  await server.close();
});
