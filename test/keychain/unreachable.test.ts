// A sign-in kept in the keychain, and a server started where the keychain cannot be reached — as
// Codex starts servers, with only a short allow-list of environment variables, so that
// DBUS_SESSION_BUS_ADDRESS is gone. Signing in again into the file would strand the keychain's
// live 90-day grant: the tool call must fail instead, naming the fix, and the sandbox must see no
// new authorization.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { requireKeychain, secretToolLookup } from './keychain.js';
import { runCli, show } from './run-cli.js';

const env = await e2e();
const bus = () => ({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '' });
const fileOf = (configDir: string) => join(configDir, 'hostsmith-e2e/hostsmith/oauth.json');

beforeEach(() => requireKeychain());

describe('a sign-in kept in the keychain, and a server that cannot reach it', () => {
  it('the tool call fails naming the fix (env_vars, or --storage file), and nobody signs in again', async () => {
    const configDir = tempDir();
    // Signed in from a terminal-like environment, where the session bus is known.
    const signedIn = await env.server({ configDir, args: ['--storage', 'auto'], env: bus() });
    ok(await signedIn.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await signedIn.close();
    const account = `hostsmith-e2e|${env.sandbox.api}`;
    const entry = await secretToolLookup(account);
    expect(entry).toBeDefined();
    expect(JSON.parse(readFileSync(fileOf(configDir), 'utf8')).credentials[env.sandbox.api].storage).toBe(
      'keychain',
    );

    const grants = (await env.sandbox.window.grants()).map((g) => g.grantId);
    const tabs = env.tabs();
    env.sandbox.window.clearRequestLog();

    // Codex's environment: no DBUS_SESSION_BUS_ADDRESS (startServer passes only what it is given).
    for (const storage of ['auto', 'keychain']) {
      const server = await env.server({ configDir, args: ['--storage', storage] });
      const result = await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } });
      await server.close();
      expect(result.isError, `--storage ${storage}`).toBe(true);
      const message = text(result);
      expect(message).toContain('DBUS_SESSION_BUS_ADDRESS');
      expect(message).toContain('env_vars = ["DBUS_SESSION_BUS_ADDRESS"]');
      expect(message).toContain('[mcp_servers.hostsmith] in ~/.codex/config.toml');
      expect(message).toContain('--storage file');
      if (storage === 'auto') expect(message).toContain(`account ${account}`);
    }

    // `login` from such an environment says the same instead of signing in into the file.
    const login = await runCli(['login', '--client', 'hostsmith-e2e', '--storage', 'auto'], {
      api: env.sandbox.api,
      configDir,
      env: { DBUS_SESSION_BUS_ADDRESS: '', SCRIPTED_BROWSER_LOG: env.browserLog },
    });
    expect(login.code, show(login)).toBe(1);
    expect(login.stderr).toMatch(/cannot reach .*env_vars = \["DBUS_SESSION_BUS_ADDRESS"\].*--storage file/);

    // `logout` from there keeps the credential (forgetting it would leave the grant alive and
    // unfindable), and says how to reach the keychain.
    const logout = await runCli(['logout', '--client', 'hostsmith-e2e', '--storage', 'auto'], {
      api: env.sandbox.api,
      configDir,
      env: { DBUS_SESSION_BUS_ADDRESS: '' },
    });
    expect(logout.code, show(logout)).toBe(1);
    expect(logout.stdout + logout.stderr).toMatch(/cannot reach .*env_vars/);

    // No sign-in was started or made: no tab, no authorization request, no new grant; the
    // credential still points at the keychain, whose entry is untouched.
    expect(env.tabs()).toBe(tabs);
    expect(env.sandbox.window.requestLog().filter((e) => e.server === 'issuer')).toEqual([]);
    expect((await env.sandbox.window.grants()).map((g) => g.grantId)).toEqual(grants);
    expect(JSON.parse(readFileSync(fileOf(configDir), 'utf8')).credentials[env.sandbox.api]).toMatchObject({
      storage: 'keychain',
    });
    expect(await secretToolLookup(account)).toBe(entry);

    // With the variable passed through, the same sign-in works again.
    const fixed = await env.server({ configDir, args: ['--storage', 'auto'], env: bus() });
    ok(await fixed.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await fixed.close();
    expect(env.tabs()).toBe(tabs);
  });
});
