// The MCP server (built, as a child process) with the real OS keychain: where `auto` puts the
// tokens, refresh across processes with the tokens in the keychain, and no Secret Service at all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { NO_BUS, requireKeychain, secretToolLookup } from './keychain.js';

const TTL = 3;
const env = await e2e({ accessTokenTtl: TTL });
const bus = () => ({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fileOf = (configDir: string) => join(configDir, 'hostsmith-e2e/hostsmith/oauth.json');
const allTokens = () => {
  const s = env.sandbox.window.secrets();
  return [...s.accessTokens, ...s.refreshTokens];
};

beforeEach(() => requireKeychain());

describe('the server with the OS keychain', () => {
  it('auto keeps the token pair in the keychain; oauth.json holds no token', async () => {
    const configDir = tempDir();
    const server = await env.server({ configDir, args: ['--storage', 'auto'], env: bus() });
    ok(await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await server.close();
    const secret = await secretToolLookup(`hostsmith-e2e|${env.sandbox.api}`);
    expect(secret).toBeDefined();
    const pair = JSON.parse(secret!) as { access_token: string; refresh_token: string };
    expect(env.sandbox.window.secrets().refreshTokens).toContain(pair.refresh_token);
    const text = readFileSync(fileOf(configDir), 'utf8');
    expect(JSON.parse(text).credentials[env.sandbox.api].storage).toBe('keychain');
    expect(allTokens().length).toBeGreaterThan(0);
    for (const token of allTokens()) expect(text).not.toContain(token);
    expect(server.stderr()).not.toMatch(/No usable OS keychain/);
  });

  it('refresh across processes: two servers on one keychain entry make one refresh, no new sign-in', async () => {
    const configDir = tempDir();
    const known = new Set((await env.sandbox.window.grants()).map((g) => g.grantId));
    const first = await env.server({ configDir, args: ['--storage', 'auto'], env: bus() });
    ok(await first.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await first.close();
    // The stored 3 s token expires during the sleep below; the refreshed one lasts a minute, so the
    // server that waited at the lock finds it fresh however slow its turn (never a second refresh).
    env.sandbox.window.setAccessTokenTtl(60);
    onTestFinished(() => env.sandbox.window.setAccessTokenTtl(TTL));
    const tabs = env.tabs();
    const account = `hostsmith-e2e|${env.sandbox.api}`;
    const before = JSON.parse((await secretToolLookup(account))!) as { refresh_token: string };
    const grant = (await env.sandbox.window.grants()).find((g) => !known.has(g.grantId));
    expect(grant).toBeDefined();

    const servers = await Promise.all(
      [1, 2].map(() => env.server({ configDir, args: ['--storage', 'auto'], env: bus() })),
    );
    await sleep((TTL + 1) * 1000);
    const results = await Promise.all(
      servers.map((s) => s.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } })),
    );
    for (const r of results) ok(r);
    expect(env.sandbox.window.refreshCounts()[grant!.grantId]).toBe(1);
    expect(env.tabs()).toBe(tabs);
    const after = JSON.parse((await secretToolLookup(account))!) as { refresh_token: string };
    expect(after.refresh_token).not.toBe(before.refresh_token);
    const text = readFileSync(fileOf(configDir), 'utf8');
    for (const token of allTokens()) expect(text).not.toContain(token);
    // Both keep working on the rotated pair.
    for (const s of servers)
      ok(await s.client.callTool({ name: 'get_account', arguments: { partition: 'eu' } }));
    await Promise.all(servers.map((s) => s.close()));
  });

  it('with no Secret Service, auto falls back to the file with one stderr line, and keychain fails clearly', async () => {
    const configDir = tempDir();
    const auto = await env.server({
      configDir,
      args: ['--storage', 'auto'],
      env: { DBUS_SESSION_BUS_ADDRESS: NO_BUS },
    });
    ok(await auto.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await auto.close();
    const fallback = auto
      .stderr()
      .split('\n')
      .filter((l) => /No usable OS keychain/.test(l));
    expect(fallback).toHaveLength(1);
    expect(fallback[0]).toContain(fileOf(configDir));
    expect(JSON.parse(readFileSync(fileOf(configDir), 'utf8')).credentials[env.sandbox.api]).toMatchObject({
      storage: 'file',
      refresh_token: expect.any(String),
    });

    const strict = await env.server({
      configDir: tempDir(),
      args: ['--storage', 'keychain'],
      env: { DBUS_SESSION_BUS_ADDRESS: NO_BUS },
    });
    const tabs = env.tabs();
    const result = await strict.client.callTool({ name: 'get_account', arguments: { partition: 'us' } });
    await strict.close();
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/--storage keychain: no usable OS keychain/);
    expect(env.tabs()).toBe(tabs); // no sign-in started for credentials that could not be kept
  });
});
