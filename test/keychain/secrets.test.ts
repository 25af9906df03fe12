// The "secrets" row with --storage keychain (inside scripts/with-keychain.sh): the OS keychain is
// the store, so not even oauth.json may hold a token, code or verifier — through a sign-in, a
// refresh (2 s access tokens), `status` and `logout`, with debug logging on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectNoSecretsLeaked } from '../helpers/capture.js';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { requireKeychain, secretToolLookup } from './keychain.js';
import { runCli, show } from './run-cli.js';

const TTL = 2;
const env = await e2e({ accessTokenTtl: TTL });
const home = tempDir('hostsmith-home-');
const tmp = tempDir('hostsmith-tmp-');
const processEnv = {
  HOME: home,
  TMPDIR: tmp,
  HOSTSMITH_MCP_LOG_LEVEL: 'debug',
  DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '',
};
const cli = (args: string[]) =>
  runCli([...args, '--storage', 'keychain'], {
    api: env.sandbox.api,
    configDir: env.configDir,
    env: { ...processEnv, SCRIPTED_BROWSER_LOG: env.browserLog },
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const refreshes = () => Object.values(env.sandbox.window.refreshCounts()).reduce((a, b) => a + b, 0);

beforeEach(() => requireKeychain());

describe('secrets with the keychain as the store', () => {
  it('no token, code or verifier anywhere on disk, oauth.json included', async () => {
    const server = await env.server({ args: ['--storage', 'keychain'], env: processEnv });
    ok(await server.client.callTool({ name: 'get_account', arguments: {} }));
    expect(server.stderr()).toMatch(/debug: /);
    const account = `hostsmith-e2e|${env.sandbox.api}`;
    expect(await secretToolLookup(account)).toBeDefined();
    // Past the token's lifetime: the next call refreshes, and the new pair goes to the keychain.
    const before = refreshes();
    await sleep((TTL + 1) * 1000);
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    expect(refreshes()).toBeGreaterThan(before);
    await server.close();

    const status = await cli(['status']);
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain('ada@example.com');

    // oauth.json is there (the keychain holds only the pair), and is scanned with the rest.
    const storeFile = join(env.configDir, 'hostsmith-e2e/hostsmith/oauth.json');
    expect(JSON.parse(readFileSync(storeFile, 'utf8')).credentials[env.sandbox.api].storage).toBe('keychain');
    const dirs = [env.configDir, home, tmp];
    await expectNoSecretsLeaked({ sandbox: env.sandbox, dirs });

    const logout = await cli(['logout']);
    expect(logout.code, show(logout)).toBe(0);
    expect(await secretToolLookup(account)).toBeUndefined();
    await expectNoSecretsLeaked({ sandbox: env.sandbox, dirs });
  });
});
