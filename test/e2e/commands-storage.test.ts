// Moving between storages with the commands and the server: file → OS keychain → file, with no
// new sign-in, and the old home keeping no copy of the tokens. Needs the real keychain
// (scripts/with-keychain.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { requireKeychain, secretToolLookup } from '../keychain/keychain.js';
import { runCli, show } from '../keychain/run-cli.js';

const env = await e2e();
const cli = (args: string[], configDir: string) =>
  runCli(args, { api: env.sandbox.api, configDir, env: { SCRIPTED_BROWSER_LOG: env.browserLog } });
const bus = () => ({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '' });

beforeEach(() => requireKeychain());

describe('moving between storages', () => {
  it('file → keychain → file keeps the sign-in, and each move empties the old home', async () => {
    const configDir = tempDir();
    const file = join(configDir, 'hostsmith-e2e/hostsmith/oauth.json');
    const account = `hostsmith-e2e|${env.sandbox.api}`;
    const stored = () => JSON.parse(readFileSync(file, 'utf8')).credentials[env.sandbox.api];

    const login = await cli(['login', '--client', 'hostsmith-e2e', '--storage', 'file'], configDir);
    expect(login.code, show(login)).toBe(0);
    const tabs = env.tabs();
    const { refresh_token: refreshToken } = stored();
    expect(refreshToken).toBeTruthy();
    expect(await secretToolLookup(account)).toBeUndefined();

    // → keychain: status with --storage keychain moves the pair on its first read.
    const toKeychain = await cli(['status', '--storage', 'keychain'], configDir);
    expect(toKeychain.code, show(toKeychain)).toBe(0);
    expect(toKeychain.stdout).toContain(
      `tokens           OS keychain (service hostsmith-mcp, account ${account})`,
    );
    expect(stored()).toMatchObject({ storage: 'keychain' });
    expect(stored().refresh_token).toBeUndefined();
    expect(stored().access_token).toBeUndefined();
    expect(readFileSync(file, 'utf8')).not.toContain(refreshToken);
    expect(JSON.parse((await secretToolLookup(account))!).refresh_token).toBe(refreshToken);

    // The server with auto finds them there: no new sign-in.
    const auto = await env.server({ configDir, args: ['--storage', 'auto'], env: bus() });
    ok(await auto.client.callTool({ name: 'get_account', arguments: {} }));
    await auto.close();
    expect(env.tabs()).toBe(tabs);

    // → file again.
    const toFile = await cli(['status', '--storage', 'file'], configDir);
    expect(toFile.code, show(toFile)).toBe(0);
    expect(toFile.stdout).toContain(`tokens           ${file}`);
    expect(stored()).toMatchObject({ storage: 'file' });
    expect(stored().refresh_token).toBeTruthy();
    expect(await secretToolLookup(account)).toBeUndefined();

    const plain = await env.server({ configDir, args: ['--storage', 'file'] });
    ok(await plain.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    await plain.close();
    expect(env.tabs()).toBe(tabs);
  });
});
