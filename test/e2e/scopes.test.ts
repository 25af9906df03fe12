// Least privilege, end to end: the built server over stdio, the sandbox with its consent page,
// and the scopes each grant holds read from the sandbox's own grant record. Each case has its
// own client folder (so its own OAuth client) and browser log, so the cases run side by side.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tabsIn, tabsLogged } from '../helpers/browser-log.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { BIN, type RunningServer, type StartServerOptions } from '../helpers/mcp-server.js';
import { parseForms, ScriptedBrowser } from '../helpers/scripted-browser.js';
import { runCli, show } from '../keychain/run-cli.js';

// The consent page is shown (no auto-approve): the scripted browser presses approve.
const env = await e2e({ autoApprove: false });
const READ_TOOLS = ['get_account', 'list_sites', 'get_site', 'list_files', 'list_domains'];
const SITES_TOOLS = ['list_sites', 'get_site', 'create_site', 'update_site', 'delete_site'];
const ALL_SCOPES = ['domains:read', 'files:write', 'sites:read', 'sites:write'];

/** One client folder: its servers, its store files, its browser tabs and its grants. */
function folder(client: string) {
  const log = join(env.configDir, `${client}.browser.log`);
  const file = (dir: string) => join(env.configDir, client, dir, 'oauth.json');
  const stored = (dir = 'hostsmith') => {
    const raw = readFileSync(file(dir), 'utf8');
    const field = (name: string) => new RegExp(`"${name}":\\s*"([^"]+)"`).exec(raw)?.[1];
    return { clientId: field('client_id')!, refreshToken: field('refresh_token'), scope: field('scope') };
  };
  return {
    file,
    stored,
    server: (opts: Partial<StartServerOptions> = {}): Promise<RunningServer> =>
      env.server({ ...opts, clientName: client, env: { SCRIPTED_BROWSER_LOG: log, ...opts.env } }),
    tabs: () => tabsIn(log),
    tabsLogged: (n: number) => tabsLogged(log, n),
    /** The sandbox's live grants of the OAuth client this folder's store registered. */
    grants: async (dir = 'hostsmith') => {
      const clientId = stored(dir).clientId;
      return (await env.sandbox.window.grants()).filter((g) => g.clientId === clientId);
    },
  };
}

const sorted = (list: readonly string[]) => [...list].sort();

/** Open the link a pending tool call gave in `browser`: sign in if asked, approve. */
async function signInThrough(
  browser: ScriptedBrowser,
  pending: Awaited<ReturnType<RunningServer['client']['callTool']>>,
) {
  const link = /http:\/\/127\.0\.0\.1:\d+\/\S+/.exec(text(pending))?.[0];
  expect(link, text(pending)).toBeDefined();
  const page = await browser.approve(link!);
  expect(page.isCallback && page.status).toBe(200);
}

function serve(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOSTSMITH_MCP_CONFIG_DIR: env.configDir },
    encoding: 'utf8',
    // A hang guard: these runs stop at start, but node starts slowly on a loaded machine.
    timeout: 30_000,
  });
}

describe('least privilege', () => {
  it('an unknown tool set stops the server at start, naming the valid ones', () => {
    const run = serve(['--toolsets', 'sites,blogs']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      '--toolsets: unknown name blogs. Valid: account, sites, files, deploy, domains.',
    );
  });

  it.concurrent('read-only: 5 tools, a grant and a consent page of sites:read domains:read; a full server beside it keeps its own grant', async () => {
    const here = folder('scopes-ro');
    // The person's own browser, driven here, so that the consent page can be read.
    const ro = await here.server({
      args: ['--read-only', '--sign-in-wait', '1'],
      env: { SCRIPTED_BROWSER_ACTION: 'ignore' },
    });
    expect((await ro.client.listTools()).tools.map((t) => t.name)).toEqual(READ_TOOLS);
    const pending = await ro.client.callTool({ name: 'list_sites', arguments: {} });
    const link = /http:\/\/127\.0\.0\.1:\d+\/\S+/.exec(text(pending))?.[0];
    expect(link, text(pending)).toBeDefined();
    const browser = new ScriptedBrowser();
    let page = await browser.open(link!);
    page = await browser.submit(page, 'login', { email: 'ada@example.com', password: 'hostsmith' }, 'login');
    expect(parseForms(page.body, page.url).some((f) => f.id === 'consent')).toBe(true);
    const shown = [...page.body.matchAll(/data-scope="([^"]+)"/g)].map((m) => m[1]!);
    expect(sorted(shown.filter((s) => s.includes(':')))).toEqual(['domains:read', 'sites:read']);
    page = await browser.submit(page, 'consent', {}, 'approve');
    expect(page.isCallback && page.status).toBe(200);
    ok(await ro.client.callTool({ name: 'list_sites', arguments: {} }));
    const [roGrant, ...moreRo] = await here.grants('hostsmith-ro');
    expect(moreRo).toEqual([]);
    expect(sorted(roGrant!.scopes)).toEqual(['domains:read', 'sites:read']);
    expect(existsSync(here.file('hostsmith'))).toBe(false);
    await ro.close();

    // The full server in the same client folder does not take the read-only grant: it signs in.
    const roToken = here.stored('hostsmith-ro').refreshToken;
    await here.tabsLogged(1); // the read-only server's tab, which the test's own browser replaced
    const tabs = 1;
    const full = await here.server();
    expect((await full.client.listTools()).tools).toHaveLength(11);
    ok(await full.client.callTool({ name: 'get_account', arguments: {} }));
    expect(here.tabs()).toBe(tabs + 1);
    const [fullGrant, ...moreFull] = await here.grants('hostsmith');
    expect(moreFull).toEqual([]);
    expect(sorted(fullGrant!.scopes)).toEqual(ALL_SCOPES);
    expect(here.stored('hostsmith').refreshToken).not.toBe(roToken);
    expect(here.stored('hostsmith-ro').refreshToken).toBe(roToken);
    await full.close();

    // And back: the read-only server uses its own grant, never the one that can write.
    const again = await here.server({ args: ['--read-only'] });
    ok(await again.client.callTool({ name: 'list_domains', arguments: {} }));
    expect(here.tabs()).toBe(tabs + 1);
    expect(here.stored('hostsmith-ro').scope?.split(' ')).not.toContain('sites:write');
    await again.close();

    // status lists both grants of the folder, each with the scopes it holds, both valid.
    const status = await runCli(['status', '--client', 'scopes-ro', '--storage', 'file', '--json'], {
      api: env.sandbox.api,
      configDir: env.configDir,
    });
    expect(status.code, show(status)).toBe(0);
    const sets = (
      JSON.parse(status.stdout) as { sets: Array<{ readOnly: boolean; scopes: string[]; status: string }> }
    ).sets;
    expect(
      sets.map((set) => ({ ...set, scopes: sorted(set.scopes.filter((x) => x.includes(':'))) })),
    ).toMatchObject([
      { readOnly: false, scopes: ALL_SCOPES, status: 'valid' },
      { readOnly: true, scopes: ['domains:read', 'sites:read'], status: 'valid' },
    ]);
  });

  it.concurrent('read-only composes with --profile: work read-only, work and default each hold their own grant', async () => {
    const here = folder('scopes-profile-ro');
    const WORK = join('hostsmith', 'profiles', 'work');
    const WORK_RO = join(WORK, 'read-only');
    const ro = await here.server({ args: ['--read-only', '--profile', 'work'] });
    expect((await ro.client.listTools()).tools.map((t) => t.name)).toEqual(READ_TOOLS);
    ok(await ro.client.callTool({ name: 'list_sites', arguments: {} }));
    await ro.close();
    expect(here.tabs()).toBe(1);
    expect(sorted((await here.grants(WORK_RO))[0]!.scopes)).toEqual(['domains:read', 'sites:read']);
    expect(existsSync(here.file(WORK))).toBe(false);
    expect(existsSync(here.file('hostsmith'))).toBe(false);
    expect(existsSync(here.file('hostsmith-ro'))).toBe(false);

    // The full work server does not take work's read-only grant, nor does the default profile.
    const work = await here.server({ args: ['--profile', 'work'] });
    expect(
      ok<{ profile: string }>(await work.client.callTool({ name: 'get_account', arguments: {} })),
    ).toMatchObject({
      profile: 'work',
    });
    await work.close();
    expect(here.tabs()).toBe(2);
    const plain = await here.server();
    ok(await plain.client.callTool({ name: 'get_account', arguments: {} }));
    await plain.close();
    expect(here.tabs()).toBe(3);
    expect(sorted((await here.grants(WORK))[0]!.scopes)).toEqual(ALL_SCOPES);
    expect(sorted((await here.grants('hostsmith'))[0]!.scopes)).toEqual(ALL_SCOPES);
    const tokens = ['hostsmith', WORK, WORK_RO].map((dir) => here.stored(dir).refreshToken);
    expect(new Set(tokens).size).toBe(3);

    // Back to work's read-only server: its own grant, no new sign-in, never one that can write.
    const again = await here.server({ args: ['--read-only', '--profile', 'work'] });
    ok(await again.client.callTool({ name: 'list_domains', arguments: {} }));
    await again.close();
    expect(here.tabs()).toBe(3);
    expect(here.stored(WORK_RO).scope?.split(' ')).not.toContain('sites:write');

    // status finds all three, labelled.
    const cli = { api: env.sandbox.api, configDir: env.configDir };
    const status = await runCli(
      ['status', '--client', 'scopes-profile-ro', '--storage', 'file', '--json'],
      cli,
    );
    expect(status.code, show(status)).toBe(0);
    const sets = (
      JSON.parse(status.stdout) as { sets: Array<{ profile: string; readOnly: boolean; status: string }> }
    ).sets;
    expect(sets.map(({ profile, readOnly, status }) => ({ profile, readOnly, status }))).toEqual([
      { profile: 'default', readOnly: false, status: 'valid' },
      { profile: 'work', readOnly: false, status: 'valid' },
      { profile: 'work', readOnly: true, status: 'valid' },
    ]);
    const shown = await runCli(['status', '--client', 'scopes-profile-ro', '--storage', 'file'], cli);
    expect(shown.stdout).toContain('scopes-profile-ro (profile work) (read-only) · ');
  });

  it.concurrent('--toolsets sites asks only for the sites scopes; all tool sets then step up to the union and revoke the old grant', async () => {
    const here = folder('scopes-sites');
    // One browser for both sign-ins, as a person's: its session at the sign-in server is still
    // open at the second one (a server may fold that sign-in into the client's first grant).
    const browser = new ScriptedBrowser();
    const manual = { args: ['--sign-in-wait', '1'], env: { SCRIPTED_BROWSER_ACTION: 'ignore' } };
    const sites = await here.server({ ...manual, args: [...manual.args, '--toolsets', 'sites'] });
    expect((await sites.client.listTools()).tools.map((t) => t.name)).toEqual(SITES_TOOLS);
    await signInThrough(browser, await sites.client.callTool({ name: 'list_sites', arguments: {} }));
    ok(await sites.client.callTool({ name: 'list_sites', arguments: {} }));
    const [narrow, ...more] = await here.grants();
    expect(more).toEqual([]);
    expect(sorted(narrow!.scopes)).toEqual(['sites:read', 'sites:write']);
    await sites.close();

    const all = await here.server(manual);
    await signInThrough(browser, await all.client.callTool({ name: 'list_domains', arguments: {} }));
    ok(await all.client.callTool({ name: 'list_domains', arguments: {} }));
    // The two tabs the servers opened (and the scripted browser ignored).
    await here.tabsLogged(2);
    expect(all.stderr()).toContain('lacks files:write domains:read');
    // One live grant: the wider one; the narrow one was revoked once the new one was stored.
    const [wide, ...others] = await here.grants();
    expect(others).toEqual([]);
    expect(wide!.grantId).not.toBe(narrow!.grantId);
    expect(sorted(wide!.scopes)).toEqual(ALL_SCOPES);
    expect((await env.sandbox.window.grants()).some((g) => g.grantId === narrow!.grantId)).toBe(false);
    ok(await all.client.callTool({ name: 'list_sites', arguments: {} }));
    await all.close();
  });

  it.concurrent('a 403 insufficient_scope from the API steps up', async () => {
    const here = folder('scopes-403');
    const sites = await here.server({ args: ['--toolsets', 'sites'] });
    ok(await sites.client.callTool({ name: 'list_sites', arguments: {} }));
    await sites.close();
    const [narrow] = await here.grants();
    // The store claims every scope while the grant has two: only the API can tell.
    const file = here.file('hostsmith');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/"scope":\s*"[^"]*"/, `"scope": "${ALL_SCOPES.join(' ')}"`),
    );

    const all = await here.server();
    const domains = ok<{ domains: unknown[] }>(
      await all.client.callTool({ name: 'list_domains', arguments: {} }),
    );
    expect(domains.domains.length).toBeGreaterThan(0);
    expect(here.tabs()).toBe(2);
    const [wide, ...others] = await here.grants();
    expect(others).toEqual([]);
    expect(wide!.grantId).not.toBe(narrow!.grantId);
    expect(sorted(wide!.scopes)).toEqual(ALL_SCOPES);
    // The narrow grant was revoked once the wider one was stored.
    expect((await env.sandbox.window.grants()).some((g) => g.grantId === narrow!.grantId)).toBe(false);
    await all.close();
  });
});
