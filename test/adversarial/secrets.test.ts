// The "secrets" row: a whole journey with the built server over stdio, debug logging on — sign-in
// through the loopback callback, refreshes (2 s access tokens), every tool, a forced 401, then
// `status` and `logout` — and afterwards no token, code or verifier the sandbox issued or received
// anywhere the processes wrote: pipes, HOME, config folder, TMPDIR. Only oauth.json (the store,
// --storage file) may hold tokens, and after logout not even that.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectNoSecretsLeaked } from '../helpers/capture.js';
import { e2e, ok } from '../helpers/e2e.js';
import { ROOT, tempDir } from '../helpers/mcp-server.js';
import { runCli, show } from '../keychain/run-cli.js';

const TTL = 2;
const env = await e2e({ accessTokenTtl: TTL });
const home = tempDir('hostsmith-home-');
const tmp = tempDir('hostsmith-tmp-');
const storeFile = join(env.configDir, 'hostsmith-e2e/hostsmith/oauth.json');
/** Every process of this file: its own HOME and TMPDIR (scanned), debug lines on stderr. */
const processEnv = { HOME: home, TMPDIR: tmp, HOSTSMITH_MCP_LOG_LEVEL: 'debug' };
const cli = (args: string[]) =>
  runCli([...args, '--storage', 'file'], {
    api: env.sandbox.api,
    configDir: env.configDir,
    env: { ...processEnv, SCRIPTED_BROWSER_LOG: env.browserLog },
  });

interface Stored {
  credentials: Record<string, { access_token?: string; expires_at: number; issued_at?: number }>;
}
const stored = () => JSON.parse(readFileSync(storeFile, 'utf8')) as Stored;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until the stored access token has expired at the sandbox (its clock is ours). */
async function untilStoredTokenExpired(): Promise<void> {
  const { expires_at } = stored().credentials[env.sandbox.api]!;
  await sleep(Math.max(0, expires_at * 1000 - Date.now()) + 1100);
}
const refreshes = () => Object.values(env.sandbox.window.refreshCounts()).reduce((a, b) => a + b, 0);

type Site = { id: string; partition: 'us' | 'eu'; url: string };

describe('secrets', () => {
  it('a whole journey leaves no token, code or verifier outside the store, and logout none at all', async () => {
    const server = await env.server({ env: processEnv });
    ok(await server.client.callTool({ name: 'get_account', arguments: {} }));
    expect(env.tabs()).toBe(1);
    expect(server.stderr()).toMatch(/debug: /); // debug logging really is on
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    ok(await server.client.callTool({ name: 'list_domains', arguments: {} }));
    const site = ok<Site>(
      await server.client.callTool({
        name: 'create_site',
        arguments: { name: 'secret-row', partition: 'eu' },
      }),
    );
    const at = { site_id: site.id, partition: 'eu' };
    ok(await server.client.callTool({ name: 'get_site', arguments: at }));
    ok(
      await server.client.callTool({ name: 'update_site', arguments: { ...at, error_document: '404.html' } }),
    );

    // The token expires between calls: the next one refreshes first — and the first refresh
    // meets a failing token endpoint, so the failure paths write their lines too.
    const before = refreshes();
    await untilStoredTokenExpired();
    env.sandbox.window.injectFault({ server: 'issuer', kind: 'status', status: 500, pathPrefix: '/token' });
    const upload = { ...at, files: [{ path: 'note.txt', content: 'hello' }] };
    const first = await server.client.callTool({ name: 'upload_files', arguments: upload });
    expect(env.sandbox.window.faults()).toEqual([]); // the fault was met
    if (first.isError) ok(await server.client.callTool({ name: 'upload_files', arguments: upload }));
    expect(refreshes()).toBeGreaterThan(before);
    ok(await server.client.callTool({ name: 'list_files', arguments: at }));
    ok(await server.client.callTool({ name: 'delete_file', arguments: { ...at, path: 'note.txt' } }));
    ok(
      await server.client.callTool({
        name: 'deploy_directory',
        arguments: { ...at, directory: join(ROOT, 'examples/site') },
      }),
    );
    // Every stdout line was a protocol message, so the capture holds all of stdout.
    expect(server.transportErrors()).toEqual([]);
    await server.close();

    // A forced 401: the stored token is dead at the sandbox but looks fresh to the server.
    await untilStoredTokenExpired();
    // The forced refresh gets an hour-long token: a slow retry cannot see it near expiry (a
    // second 401 and refresh), so the counts below are exactly the one forced refresh.
    env.sandbox.window.setAccessTokenTtl(3600);
    const file = stored();
    const cred = file.credentials[env.sandbox.api]!;
    const now = Math.floor(Date.now() / 1000);
    cred.issued_at = now;
    cred.expires_at = now + 3600;
    writeFileSync(storeFile, JSON.stringify(file));
    const beforeForced = refreshes();
    env.sandbox.window.clearRequestLog();
    const again = await env.server({ env: processEnv });
    ok(await again.client.callTool({ name: 'delete_site', arguments: at }));
    expect(again.transportErrors()).toEqual([]);
    await again.close();
    const log = env.sandbox.window.requestLog();
    expect(log.filter((e) => e.server === 'api' && e.status === 401).length).toBe(1);
    expect(refreshes()).toBe(beforeForced + 1);
    expect(env.tabs()).toBe(1); // one sign-in for all of it

    const status = await cli(['status']);
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain('ada@example.com');
    const json = await cli(['status', '--json']);
    expect(json.code, show(json)).toBe(0);

    const dirs = [env.configDir, home, tmp];
    // Signed in: the store holds the pair, and nothing else does.
    expect(readFileSync(storeFile, 'utf8')).toContain(stored().credentials[env.sandbox.api]!.access_token);
    const signedIn = await expectNoSecretsLeaked({ sandbox: env.sandbox, dirs, exclude: [storeFile] });
    expect(signedIn.files).toBeGreaterThan(0);

    const logout = await cli(['logout']);
    expect(logout.code, show(logout)).toBe(0);
    expect(logout.stdout).toMatch(/^ {2}revoked$/m);
    // Signed out: no exclusion at all.
    await expectNoSecretsLeaked({ sandbox: env.sandbox, dirs });

    // The scan can fail: a refresh token planted deep in TMPDIR is found.
    const planted = join(tmp, 'a/b');
    mkdirSync(planted, { recursive: true });
    writeFileSync(join(planted, 'cache.bin'), `x${env.sandbox.window.secrets().refreshTokens[0]}x`);
    await expect(expectNoSecretsLeaked({ sandbox: env.sandbox, dirs })).rejects.toThrow(/cache\.bin/);
    rmSync(join(tmp, 'a'), { recursive: true });
  });
});
