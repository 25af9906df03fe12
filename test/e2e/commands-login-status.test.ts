// `login` and `status` as a person runs them: the built CLI as a child process, against the
// sandbox, with the scripted browser as BROWSER.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { captured } from '../helpers/capture.js';
import { e2e } from '../helpers/e2e.js';
import { BIN, SCRIPTED_BROWSER, tempDir } from '../helpers/mcp-server.js';
import { completeSignIn, ScriptedBrowser } from '../helpers/scripted-browser.js';
import { runCli, show } from '../keychain/run-cli.js';

// The real sign-in and consent pages (no auto-approve), so that who signs in, and Deny, are real.
const env = await e2e({ autoApprove: false });
const cli = (args: string[], configDir: string, extra: Record<string, string> = {}) =>
  runCli(args, { api: env.sandbox.api, configDir, env: { SCRIPTED_BROWSER_LOG: env.browserLog, ...extra } });

interface StatusJson {
  configRoot: string;
  sets: Array<{
    clientFolder: string;
    api: string;
    account: { email: string; homePartition: string } | null;
    scopes: string[];
    storage: string | null;
    tokens: string | null;
    file: string;
    accessTokenExpiresAt: string | null;
    refreshWindowDaysLeft: number | null;
    status: string;
  }>;
}

describe('login and status', () => {
  it('login signs in for a client folder; status then shows the account, and never a token', async () => {
    const configDir = tempDir();
    const tabs = env.tabs();
    const login = await cli(['login', '--client', 'claude-ai', '--storage', 'file'], configDir);
    expect(login.code, show(login)).toBe(0);
    await env.tabsLogged(tabs + 1);
    const file = join(configDir, 'claude-ai/hostsmith/oauth.json');
    expect(login.stdout).toContain('Signed in to Hostsmith as ada@example.com (home partition: us)');
    expect(login.stdout).toMatch(/Scopes: .*sites:read.*files:write/);
    expect(login.stdout).toContain(`Credentials stored in ${file}`);
    // Not a terminal: no elapsed-time line rewritten in place.
    expect(login.stdout).not.toContain('\r');
    expect(login.stdout).not.toContain('Waiting for you to finish in the browser');
    expect(JSON.parse(readFileSync(file, 'utf8')).credentials[env.sandbox.api].account.email).toBe(
      'ada@example.com',
    );

    const status = await cli(['status', '--storage', 'file'], configDir);
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain(`claude-ai · ${env.sandbox.api}`);
    expect(status.stdout).toContain('ada@example.com (home partition: us)');
    expect(status.stdout).toMatch(/scopes\s+.*sites:write/);
    expect(status.stdout).toContain(`tokens           ${file}`);
    expect(status.stdout).toMatch(/access token\s+expires \d{4}-\d\d-\d\dT/);
    expect(status.stdout).toContain('90 of 90 days left');
    expect(status.stdout).toMatch(/status\s+valid/);

    const json = await cli(['status', '--json', '--storage', 'file'], configDir);
    expect(json.code, show(json)).toBe(0);
    const report = JSON.parse(json.stdout) as StatusJson;
    expect(report.configRoot).toBe(configDir);
    expect(report.sets).toHaveLength(1);
    const [set] = report.sets;
    expect(set).toMatchObject({
      clientFolder: 'claude-ai',
      api: env.sandbox.api,
      account: { email: 'ada@example.com', homePartition: 'us' },
      storage: 'file',
      tokens: file,
      refreshWindowDaysLeft: 90,
      status: 'valid',
    });
    expect(set!.scopes).toEqual(
      expect.arrayContaining(['sites:read', 'sites:write', 'domains:read', 'files:write']),
    );
    expect(Date.parse(set!.accessTokenExpiresAt!)).toBeGreaterThan(Date.now());
    // No token in any of it (the file-wide scan in afterAll covers every output; this one is direct).
    const secrets = env.sandbox.window.secrets();
    expect(secrets.accessTokens.length).toBeGreaterThan(0);
    for (const token of [...secrets.accessTokens, ...secrets.refreshTokens]) {
      for (const out of [login, status, json]) expect(out.stdout + out.stderr).not.toContain(token);
    }
  });

  it('status says revoked once the grant is revoked at Hostsmith, and lists every client folder', async () => {
    const configDir = tempDir();
    expect(
      (
        await cli(['login', '--client', 'cursor-vscode', '--storage', 'file'], configDir, {
          SCRIPTED_BROWSER_EMAIL: 'sam@example.com',
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await cli(['login', '--client', 'visual-studio-code', '--storage', 'file'], configDir, {
          SCRIPTED_BROWSER_EMAIL: 'lin@example.com',
        })
      ).code,
    ).toBe(0);
    expect(await env.sandbox.window.revokeUserGrants('sam@example.com')).toBeGreaterThan(0);
    const status = await cli(['status', '--storage', 'file'], configDir);
    expect(status.code, show(status)).toBe(1);
    expect(status.stdout).toContain('client folders: cursor-vscode, visual-studio-code');
    const report = JSON.parse(
      (await cli(['status', '--json', '--storage', 'file'], configDir)).stdout,
    ) as StatusJson;
    expect(report.sets.map((s) => [s.clientFolder, s.account?.email, s.status])).toEqual([
      // The revoked set was found out by the first status (and forgotten, as a tool call would).
      ['visual-studio-code', 'lin@example.com', 'valid'],
    ]);
    expect(status.stdout).toMatch(/cursor-vscode[\s\S]*sam@example\.com[\s\S]*status\s+revoked/);
    expect(status.stdout).toContain('lin@example.com (home partition: eu)');
  });

  it('with nothing stored, status says so and exits 1', async () => {
    const status = await cli(['status'], tempDir());
    expect(status.code, show(status)).toBe(1);
    expect(status.stdout).toMatch(/No Hostsmith sign-in stored/);
  });

  it('login without --client uses the only client folder, and asks for --client when there are none or several', async () => {
    const configDir = tempDir();
    const none = await cli(['login'], configDir);
    expect(none.code, show(none)).toBe(2);
    expect(none.stderr).toMatch(/No client folder under/);
    for (const name of ['claude-ai', 'cursor-vscode', 'visual-studio-code'])
      expect(none.stderr).toContain(name);
    expect(none.stderr).toMatch(/Claude Desktop[\s\S]*Cursor[\s\S]*VS Code/);

    expect(
      (await cli(['login', '--client', 'Visual Studio Code', '--storage', 'file'], configDir)).code,
    ).toBe(0);
    const only = await cli(['login', '--storage', 'file'], configDir);
    expect(only.code, show(only)).toBe(0);
    expect(only.stdout).toContain('client folder visual-studio-code');

    // A second folder (as another client would leave behind): now login must be told which.
    mkdirSync(join(configDir, 'claude-ai/hostsmith'), { recursive: true });
    writeFileSync(join(configDir, 'claude-ai/hostsmith/oauth.json'), '{"version":1}');
    const several = await cli(['login'], configDir);
    expect(several.code, show(several)).toBe(2);
    expect(several.stderr).toContain('Several client folders');
    expect(several.stderr).toContain('claude-ai, visual-studio-code');
  });

  it('login exits 1 and says why when the sign-in is declined or times out', async () => {
    const configDir = tempDir();
    const tabs = env.tabs();
    const denied = await cli(['login', '--client', 'claude-ai', '--storage', 'file'], configDir, {
      SCRIPTED_BROWSER_ACTION: 'deny',
    });
    expect(denied.code, show(denied)).toBe(1);
    expect(denied.stderr).toMatch(/not signed in: the sign-in was declined/);

    const started = Date.now();
    const late = await cli(
      ['login', '--client', 'claude-ai', '--storage', 'file', '--timeout', '2'],
      configDir,
      {
        SCRIPTED_BROWSER_ACTION: 'ignore',
      },
    );
    expect(late.code, show(late)).toBe(1);
    expect(late.stderr).toMatch(/within 2 s/);
    // A hang guard: without --timeout it would wait 5 minutes.
    expect(Date.now() - started).toBeLessThan(30_000);
    // The ignored tab's browser is a process nobody waits for: let it log the tab here, not
    // during the next test (which counts tabs).
    await env.tabsLogged(tabs + 2);

    const bad = await cli(['login', '--client', 'claude-ai', '--timeout', 'soon'], configDir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout must be a whole number/);
  });

  it('login --no-browser opens no browser and prints the link, which a person can open elsewhere', async () => {
    const configDir = tempDir();
    const tabs = env.tabs();
    const { pid, link, finished } = spawnLogin(configDir);
    const shown = await link;
    // The link is printed after any browser would have been launched.
    env.expectNoBrowser(pid, tabs);
    const callback = await completeSignIn(shown, { action: 'approve', email: 'lin@example.com' });
    expect(callback.status).toBe(200);
    const stdout = await finished;
    expect(stdout).toContain('Signed in to Hostsmith as lin@example.com (home partition: eu)');
    expect(env.tabs()).toBe(tabs);
  });

  it('login again replaces the stored sign-in and revokes the old grant', async () => {
    const configDir = tempDir();
    const known = new Set((await env.sandbox.window.grants()).map((g) => g.grantId));
    const first = await cli(['login', '--client', 'claude-ai', '--storage', 'file'], configDir);
    expect(first.code, show(first)).toBe(0);
    const firstGrants = (await env.sandbox.window.grants()).filter((g) => !known.has(g.grantId));
    expect(firstGrants).toHaveLength(1);
    const again = await cli(['login', '--client', 'claude-ai', '--storage', 'file'], configDir);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toContain('The previous sign-in for this folder was replaced and revoked.');
    const live = new Set((await env.sandbox.window.grants()).map((g) => g.grantId));
    expect(live.has(firstGrants[0]!.grantId)).toBe(false);
    const status = await cli(['status', '--client', 'claude-ai', '--storage', 'file'], configDir);
    expect(status.code, show(status)).toBe(0);
  });

  it('login again from a browser still signed in at Hostsmith keeps the new sign-in alive', async () => {
    // A person's browser keeps its session at the sign-in server between the two logins, and the
    // server may fold the second sign-in into the first grant: revoking "the old grant" must then
    // not end the new one.
    const configDir = tempDir();
    const browser = new ScriptedBrowser();
    const known = new Set((await env.sandbox.window.grants()).map((g) => g.grantId));
    expect(await loginThrough(browser, configDir)).toContain('Signed in to Hostsmith as ada@example.com');
    const [first, ...others] = (await env.sandbox.window.grants()).filter((g) => !known.has(g.grantId));
    expect(others).toEqual([]);
    const again = await loginThrough(browser, configDir);
    expect(again).toContain('The previous sign-in for this folder was replaced and revoked.');
    const live = (await env.sandbox.window.grants()).filter((g) => !known.has(g.grantId));
    expect(live.map((g) => g.grantId)).not.toContain(first!.grantId);
    expect(live).toHaveLength(1);
    const status = await cli(['status', '--client', 'claude-ai', '--storage', 'file', '--json'], configDir);
    expect(status.code, show(status)).toBe(0);
    expect((JSON.parse(status.stdout) as StatusJson).sets.map((s) => s.status)).toEqual(['valid']);
  });

  it('every command has --help', async () => {
    for (const command of ['login', 'logout', 'status']) {
      const help = await cli([command, '--help'], tempDir());
      expect(help.code, show(help)).toBe(0);
      expect(help.stdout).toContain(`Usage: hostsmith-mcp ${command}`);
      expect(help.stdout).toContain('--client NAME');
      expect(help.stdout).toContain('--storage');
    }
  });

  it('login on a terminal shows how long it has waited, on one line rewritten in place', async () => {
    const configDir = tempDir();
    // util-linux `script` gives the command a real pseudo-terminal.
    const command = [
      process.execPath,
      BIN,
      'login',
      '--client',
      'claude-ai',
      '--storage',
      'file',
      '--no-browser',
    ];
    const child = spawn('script', ['-qfec', command.map((a) => `'${a}'`).join(' '), '/dev/null'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configDir,
        TERM: 'dumb',
        HOSTSMITH_API_URL: env.sandbox.api,
        HOSTSMITH_MCP_CONFIG_DIR: configDir,
        BROWSER: 'false',
      },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await vi.waitFor(
      // Any tick after 0:00: on a loaded machine one late tick skips a second (0:00, then 0:02).
      () =>
        expect(out).toMatch(/Waiting for you to finish in the browser… 0:(0[1-9]|[1-5]\d) \(up to 5:00\)/),
      {
        timeout: 15_000,
      },
    );
    const link = /Open this link to sign in, if no browser opened: (\S+)/.exec(out)![1]!;
    const page = await new ScriptedBrowser().approve(link);
    expect(page.isCallback && page.status, page.body).toBe(200);
    expect(await exited, out).toBe(0);
    captured.push(out);
    expect(out).toContain('\r\x1b[2KWaiting for you to finish in the browser… 0:00 (up to 5:00)');
    // Erased before the result, which starts on a clean line.
    expect(out).toContain('\r\x1b[2KSigned in to Hostsmith as ada@example.com');
  });
});

/** `login --no-browser` for claude-ai: the link it prints, and its stdout once it exited 0. */
function spawnLogin(configDir: string): { pid: number; link: Promise<string>; finished: Promise<string> } {
  const child = spawn(
    process.execPath,
    [BIN, 'login', '--client', 'claude-ai', '--storage', 'file', '--no-browser'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configDir,
        HOSTSMITH_API_URL: env.sandbox.api,
        HOSTSMITH_MCP_CONFIG_DIR: configDir,
        // Were it launched, the scripted browser would log a tab and do nothing more.
        BROWSER: SCRIPTED_BROWSER,
        SCRIPTED_BROWSER_ACTION: 'ignore',
        SCRIPTED_BROWSER_LOG: env.browserLog,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const link = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /Open this link to sign in, if no browser opened: (\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`login exited early:\n${stdout}\n${stderr}`)));
  });
  link.catch(() => {});
  const finished = exited.then((code) => {
    captured.push(stdout, stderr);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    return stdout;
  });
  return { pid: child.pid ?? -1, link, finished };
}

/** `login --no-browser`, finished in `browser` (signing in only if its session asks): stdout. */
async function loginThrough(browser: ScriptedBrowser, configDir: string): Promise<string> {
  const { link, finished } = spawnLogin(configDir);
  const page = await browser.approve(await link);
  expect(page.isCallback && page.status, page.body).toBe(200);
  return finished;
}
