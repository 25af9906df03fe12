// Profiles as a person uses them: two entries in one host's config, `--profile work` signed in as
// ada and `--profile personal` as lin, each the built server over stdio against the sandbox. Each
// sees only its own account; their files and keychain entries are apart; status lists both; and
// `logout --profile work` ends work's grant at the sandbox and leaves personal signed in.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoreFile } from '../../src/store/types.js';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { requireKeychain, secretToolLookup } from '../keychain/keychain.js';
import { runCli, show } from '../keychain/run-cli.js';

// The real sign-in and consent pages, so that who signs in is the scripted browser's chosen user.
const env = await e2e({ autoApprove: false });
const CLIENT = 'claude-ai';
const USERS = { work: 'ada@example.com', personal: 'lin@example.com' } as const;
type Profile = keyof typeof USERS;

const profileFile = (configDir: string, profile: Profile) =>
  join(configDir, CLIENT, 'hostsmith', 'profiles', profile, 'oauth.json');
const defaultFile = (configDir: string) => join(configDir, CLIENT, 'hostsmith', 'oauth.json');
const credential = (configDir: string, profile: Profile) =>
  (JSON.parse(readFileSync(profileFile(configDir, profile), 'utf8')) as StoreFile).credentials[
    env.sandbox.api
  ]!;
const cli = (args: string[], configDir: string) =>
  runCli(args, { api: env.sandbox.api, configDir, env: { SCRIPTED_BROWSER_LOG: env.browserLog } });

/**
 * The host's two entries: the same server, one --profile each, each signing in as its own user —
 * through its first tool call, or (loggedIn) ahead of time with `login --profile`, which the
 * server then uses without opening a browser.
 */
async function signInBoth(configDir: string, storage: 'file' | 'keychain', loggedIn?: Profile) {
  const servers = {} as Record<Profile, Awaited<ReturnType<typeof env.server>>>;
  for (const profile of ['work', 'personal'] as const) {
    const tabs = env.tabs();
    if (profile === loggedIn) {
      const login = await runCli(['login', '--client', CLIENT, '--profile', profile, '--storage', storage], {
        api: env.sandbox.api,
        configDir,
        env: { SCRIPTED_BROWSER_LOG: env.browserLog, SCRIPTED_BROWSER_EMAIL: USERS[profile] },
      });
      expect(login.code, show(login)).toBe(0);
      expect(login.stdout).toContain(`for client folder ${CLIENT} (profile ${profile})`);
      expect(login.stdout).toContain(`Signed in to Hostsmith as ${USERS[profile]}`);
      expect(env.tabs()).toBe(tabs + 1);
    }
    const server = await env.server({
      configDir,
      clientName: 'Claude AI',
      args: ['--storage', storage, '--profile', profile],
      env: {
        SCRIPTED_BROWSER_EMAIL: USERS[profile],
        // The private keychain's bus (scripts/with-keychain.sh), as a host would pass it on.
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '',
      },
    });
    const result = await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } });
    const account = ok<{ user: { email: string }; profile: string }>(result);
    expect(account).toMatchObject({ user: { email: USERS[profile] }, profile });
    expect(JSON.stringify(result.content)).toMatch(
      new RegExp(`${USERS[profile]}>, home partition (us|eu), profile ${profile}\\b`),
    );
    expect(env.tabs()).toBe(tabs + 1); // one sign-in per profile: login's, or the first call's
    servers[profile] = server;
  }
  return servers;
}

/** Who each server is signed in as now, asked through the server (its own stored sign-in). */
async function whoami(server: Awaited<ReturnType<typeof env.server>>): Promise<string> {
  const result = await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } });
  return ok<{ user: { email: string } }>(result).user.email;
}

const liveClients = async () => new Set((await env.sandbox.window.grants()).map((g) => g.clientId));

describe('profiles: two Hostsmith accounts in one host', () => {
  it('file storage: separate files, status lists both, logout --profile work leaves personal signed in', async () => {
    const configDir = tempDir();
    const servers = await signInBoth(configDir, 'file');
    const work = credential(configDir, 'work');
    const personal = credential(configDir, 'personal');
    expect(work.account?.email).toBe(USERS.work);
    expect(personal.account?.email).toBe(USERS.personal);
    // Never the other's tokens, and nothing in the default profile's place.
    expect(work.refresh_token).toBeTruthy();
    expect(readFileSync(profileFile(configDir, 'work'), 'utf8')).not.toContain(personal.refresh_token!);
    expect(readFileSync(profileFile(configDir, 'personal'), 'utf8')).not.toContain(work.refresh_token!);
    expect(work.client_id).not.toBe(personal.client_id);
    expect(existsSync(defaultFile(configDir))).toBe(false);

    const status = await cli(['status', '--storage', 'file', '--json'], configDir);
    expect(status.code, show(status)).toBe(0);
    const sets = (JSON.parse(status.stdout) as { sets: Array<Record<string, unknown>> }).sets;
    expect(
      sets.map((s) => [s.clientFolder, s.profile, (s.account as { email: string }).email, s.status]),
    ).toEqual([
      [CLIENT, 'personal', USERS.personal, 'valid'],
      [CLIENT, 'work', USERS.work, 'valid'],
    ]);

    const logout = await cli(['logout', '--storage', 'file', '--profile', 'work'], configDir);
    expect(logout.code, show(logout)).toBe(0);
    expect(logout.stdout).toContain(`${CLIENT} (profile work) · ${env.sandbox.api} (${USERS.work})`);
    expect(logout.stdout).not.toContain('profile personal');
    // Work's grant is over at the sandbox; personal's lives, and its server still answers as lin.
    const live = await liveClients();
    expect(live.has(work.client_id)).toBe(false);
    expect(live.has(personal.client_id)).toBe(true);
    expect(credential(configDir, 'personal').refresh_token).toBeTruthy();
    expect(await whoami(servers.personal)).toBe(USERS.personal);
    const after = await cli(['status', '--storage', 'file', '--json'], configDir);
    expect(
      (JSON.parse(after.stdout) as { sets: Array<{ profile: string; status: string }> }).sets.map((s) => [
        s.profile,
        s.status,
      ]),
    ).toEqual([['personal', 'valid']]);
    await Promise.all([servers.work.close(), servers.personal.close()]);
  });

  it("keychain storage, personal signed in by `login --profile`: one entry per profile (<client>|<name>|<resource>), and logout --profile work deletes only work's", async () => {
    requireKeychain();
    const configDir = tempDir();
    const servers = await signInBoth(configDir, 'keychain', 'personal');
    const account = (profile: Profile) => `${CLIENT}|${profile}|${env.sandbox.api}`;
    const work = JSON.parse((await secretToolLookup(account('work')))!) as { refresh_token: string };
    const personal = JSON.parse((await secretToolLookup(account('personal')))!) as { refresh_token: string };
    expect(work.refresh_token).not.toBe(personal.refresh_token);
    expect(await secretToolLookup(`${CLIENT}|${env.sandbox.api}`)).toBeUndefined();
    // The files hold who signed in, never the tokens.
    for (const profile of ['work', 'personal'] as const) {
      const cred = credential(configDir, profile);
      expect(cred.account?.email).toBe(USERS[profile]);
      expect(cred.refresh_token).toBeUndefined();
    }

    const status = await cli(['status', '--storage', 'keychain'], configDir);
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain(`${CLIENT} (profile personal) · ${env.sandbox.api}`);
    expect(status.stdout).toContain(`${CLIENT} (profile work) · ${env.sandbox.api}`);
    expect(status.stdout).toContain(`account ${account('personal')})`);
    expect(status.stdout).toContain(`account ${account('work')})`);

    const logout = await cli(['logout', '--storage', 'keychain', '--profile', 'work'], configDir);
    expect(logout.code, show(logout)).toBe(0);
    expect(await secretToolLookup(account('work'))).toBeUndefined();
    expect(JSON.parse((await secretToolLookup(account('personal')))!)).toMatchObject({
      refresh_token: expect.any(String),
    });
    expect(await whoami(servers.personal)).toBe(USERS.personal);
    await Promise.all([servers.work.close(), servers.personal.close()]);
  });
});
