// `logout` as a person runs it: the built CLI against the sandbox. The grant really ends at the
// server, the local credentials really go (file and keychain), and a server that cannot be
// reached still leaves nothing behind locally.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { captured, expectNoSecretsIn } from '../helpers/capture.js';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { requireKeychain, secretToolLookup } from '../keychain/keychain.js';
import { runCli, show } from '../keychain/run-cli.js';

// The real sign-in and consent pages (no auto-approve), so that who signs in, and Deny, are real.
const env = await e2e({ autoApprove: false });
const cli = (args: string[], configDir: string, api = env.sandbox.api, extra: Record<string, string> = {}) =>
  runCli(args, { api, configDir, env: { SCRIPTED_BROWSER_LOG: env.browserLog, ...extra } });

/** What the sandbox's token endpoint says to a refresh with this refresh token. */
async function tryRefresh(issuer: string, clientId: string, refreshToken: string): Promise<unknown> {
  const meta = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as {
    token_endpoint: string;
  };
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      resource: env.sandbox.api,
    }),
  });
  return { status: res.status, body: await res.json() };
}

const storeFile = (configDir: string, folder: string) => join(configDir, folder, 'hostsmith/oauth.json');

beforeEach(() => requireKeychain());

describe('logout', () => {
  it('revokes the grant (the old refresh token is refused), removes file and keychain tokens, and the next tool call signs in again', async () => {
    const configDir = tempDir();
    // Two sets: one with its tokens in the file, one in the OS keychain.
    expect((await cli(['login', '--client', 'hostsmith-e2e', '--storage', 'file'], configDir)).code).toBe(0);
    const inFile = JSON.parse(readFileSync(storeFile(configDir, 'hostsmith-e2e'), 'utf8')).credentials[
      env.sandbox.api
    ];
    expect(inFile.refresh_token).toBeTruthy();
    expect(
      (
        await cli(['login', '--client', 'claude-ai', '--storage', 'keychain'], configDir, env.sandbox.api, {
          SCRIPTED_BROWSER_EMAIL: 'lin@example.com',
        })
      ).code,
    ).toBe(0);
    const account = `claude-ai|${env.sandbox.api}`;
    const inKeychain = JSON.parse((await secretToolLookup(account))!) as { refresh_token: string };
    const keychainClient = JSON.parse(readFileSync(storeFile(configDir, 'claude-ai'), 'utf8')).credentials[
      env.sandbox.api
    ].client_id as string;
    const liveBefore = (await env.sandbox.window.grants()).filter((g) =>
      ['ada@example.com', 'lin@example.com'].includes(g.email ?? ''),
    );
    expect(liveBefore.length).toBeGreaterThanOrEqual(2);

    const logout = await cli(['logout', '--storage', 'auto'], configDir);
    expect(logout.code, show(logout)).toBe(0);
    expect(logout.stdout).toContain('client folders claude-ai, hostsmith-e2e');
    expect(logout.stdout.match(/^ {2}revoked$/gm)).toHaveLength(2);
    expect(logout.stdout.match(/^ {2}local credentials removed$/gm)).toHaveLength(2);
    expect(logout.stdout).toMatch(/https:\/\/hostsmith\.net\/account/);

    // The server refuses the old refresh tokens: the grants are over.
    expect(await tryRefresh(env.sandbox.issuer, inFile.client_id, inFile.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await tryRefresh(env.sandbox.issuer, keychainClient, inKeychain.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const liveIds = new Set((await env.sandbox.window.grants()).map((g) => g.grantId));
    for (const g of liveBefore) expect(liveIds.has(g.grantId)).toBe(false);

    // Nothing left locally: no keychain entry, no file (tokens, registration and all).
    expect(await secretToolLookup(account)).toBeUndefined();
    expect(existsSync(storeFile(configDir, 'hostsmith-e2e'))).toBe(false);
    expect(existsSync(storeFile(configDir, 'claude-ai'))).toBe(false);

    // The next tool call asks for a new sign-in (one new browser tab), and then works.
    const tabs = env.tabs();
    const server = await env.server({ configDir });
    ok(await server.client.callTool({ name: 'get_account', arguments: {} }));
    expect(env.tabs()).toBe(tabs + 1);
    await server.close();

    // And now a logout of only that folder, as JSON.
    const json = await cli(['logout', '--client', 'hostsmith-e2e', '--json', '--storage', 'file'], configDir);
    expect(json.code, show(json)).toBe(0);
    const report = JSON.parse(json.stdout) as { sets: Array<Record<string, unknown>> };
    expect(report.sets).toEqual([
      expect.objectContaining({
        clientFolder: 'hostsmith-e2e',
        api: env.sandbox.api,
        revoked: true,
        removed: true,
      }),
    ]);
  });

  it('with nothing stored, says so and exits 0', async () => {
    const result = await cli(['logout'], tempDir());
    expect(result.code, show(result)).toBe(0);
    expect(result.stdout).toMatch(/No Hostsmith sign-in stored .*nothing to do/);
  });

  it('with Hostsmith unreachable, removes the local credentials anyway and exits 1', async () => {
    const configDir = tempDir();
    const other = await startSandbox({ port: 0, autoApprove: true, rateLimit: 10_000 });
    const outputs: string[] = [];
    try {
      const login = await cli(
        ['login', '--client', 'claude-ai', '--storage', 'keychain'],
        configDir,
        other.api,
      );
      outputs.push(login.stdout, login.stderr);
      expect(login.code, show(login)).toBe(0);
      expect(await secretToolLookup(`claude-ai|${other.api}`)).toBeDefined();
    } finally {
      await other.close();
    }
    const logout = await cli(['logout', '--storage', 'keychain'], configDir, other.api);
    outputs.push(logout.stdout, logout.stderr);
    expect(logout.code, show(logout)).toBe(1);
    expect(logout.stdout).toMatch(/^ {2}revocation failed: .+/m);
    expect(logout.stdout).toMatch(/^ {2}local credentials removed$/m);
    expect(logout.stdout).toMatch(/https:\/\/hostsmith\.net\/account/);
    expect(await secretToolLookup(`claude-ai|${other.api}`)).toBeUndefined();
    expect(existsSync(storeFile(configDir, 'claude-ai'))).toBe(false);
    expectNoSecretsIn(other.window.secrets(), outputs);
    expect(captured.length).toBeGreaterThan(0);
  });
});
