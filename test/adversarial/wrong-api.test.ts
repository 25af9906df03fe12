// The "wrong API" row: the API URL changes between runs on one config folder. Two sandboxes, two
// APIs with two issuers. Each sandbox records every credential presented to it (bearer tokens,
// refresh and revoked tokens), so a token of the first that reached the second would show in the
// second's record: none may, in either direction. A second sign-in happens instead, each API then
// keeps its own credential, switching back needs no sign-in, and logout revokes each grant at
// its own issuer.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import type { IssuedSecrets } from '../../sandbox/types.js';
import { expectNoSecretsLeaked } from '../helpers/capture.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { runCli, show } from '../keychain/run-cli.js';

const env = await e2e(); // the first API: ada signs in
const first = env.sandbox;
const second = await startSandbox({ port: 0, autoApprove: true, user: 'lin@example.com', rateLimit: 10_000 });
afterAll(() => second.close());
const home = tempDir('hostsmith-home-');
const tmp = tempDir('hostsmith-tmp-');
const processEnv = { HOME: home, TMPDIR: tmp, HOSTSMITH_MCP_LOG_LEVEL: 'debug' };
const storeFile = join(env.configDir, 'hostsmith-e2e/hostsmith/oauth.json');

/** The server, HOSTSMITH_API_URL naming the first API, and --api-url the one it should use. */
const serverFor = (api: string) => env.server({ args: ['--api-url', api], env: processEnv });
const cli = (args: string[], configDir = env.configDir) =>
  runCli([...args, '--storage', 'file'], {
    api: first.api,
    configDir,
    env: { ...processEnv, SCRIPTED_BROWSER_LOG: env.browserLog },
  });

const tokensOf = (s: IssuedSecrets) => [...s.accessTokens, ...s.refreshTokens];
/** Tokens in both records: issued by one sandbox and presented to the other (either way round). */
const crossed = (from: IssuedSecrets, to: IssuedSecrets) => {
  const seen = new Set(tokensOf(to));
  return tokensOf(from).filter((t) => seen.has(t)).length;
};
const stored = () =>
  JSON.parse(readFileSync(storeFile, 'utf8')) as {
    credentials: Record<string, { issuer: string; access_token?: string; refresh_token?: string }>;
  };
const email = async (server: Awaited<ReturnType<typeof serverFor>>) =>
  ok<{ user: { email: string } }>(await server.client.callTool({ name: 'get_account', arguments: {} })).user
    .email;

describe('wrong API', () => {
  it("the first API's tokens never reach the second; each API keeps its own sign-in", async () => {
    const one = await serverFor(first.api);
    expect(await email(one)).toBe('ada@example.com');
    ok(await one.client.callTool({ name: 'list_sites', arguments: {} }));
    await one.close();
    expect(env.tabs()).toBe(1);

    // Restarted on the same config folder, pointed at the second API: a sign-in there instead.
    const two = await serverFor(second.api);
    expect(await email(two)).toBe('lin@example.com');
    ok(await two.client.callTool({ name: 'list_sites', arguments: {} }));
    await two.close();
    expect(env.tabs()).toBe(2);
    expect(second.window.requestLog().length).toBeGreaterThan(0);

    // Back to the first (spelled with a trailing slash: the same API), and to the second again:
    // no sign-in either time.
    const grants = async () => (await first.window.grants()).length + (await second.window.grants()).length;
    const grantsBefore = await grants();
    for (const api of [`${first.api}/`, second.api]) {
      const again = await serverFor(api);
      ok(await again.client.callTool({ name: 'list_sites', arguments: {} }));
      await again.close();
    }
    expect(env.tabs()).toBe(2);
    expect(await grants()).toBe(grantsBefore);

    // One credential per API, each holding its own issuer's tokens.
    const { credentials } = stored();
    expect(Object.keys(credentials).sort()).toEqual([first.api, second.api].sort());
    expect(credentials[first.api]!.issuer).toBe(first.issuer);
    expect(credentials[second.api]!.issuer).toBe(second.issuer);
    expect(first.window.secrets().refreshTokens).toContain(credentials[first.api]!.refresh_token);
    expect(second.window.secrets().refreshTokens).toContain(credentials[second.api]!.refresh_token);

    const status = await cli(['status']);
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain(`hostsmith-e2e · ${first.api}`);
    expect(status.stdout).toContain(`hostsmith-e2e · ${second.api}`);

    // logout signs out of both, each revocation at its own API's issuer: both grants end.
    const logout = await cli(['logout']);
    expect(logout.code, show(logout)).toBe(0);
    expect(logout.stdout.match(/^ {2}revoked$/gm)).toHaveLength(2);
    expect(await first.window.grants()).toEqual([]);
    expect(await second.window.grants()).toEqual([]);

    // Neither sandbox was ever shown a token of the other.
    const a = first.window.secrets();
    const b = second.window.secrets();
    expect(tokensOf(a).length).toBeGreaterThan(0);
    expect(tokensOf(b).length).toBeGreaterThan(0);
    expect(crossed(a, b), 'tokens of the first API presented to the second').toBe(0);
    expect(crossed(b, a), 'tokens of the second API presented to the first').toBe(0);
    // And nothing is left on disk or in any output (signed out: no store to exclude).
    await expectNoSecretsLeaked({ sandbox: [first, second], dirs: [env.configDir, home, tmp] });
  });

  it('an API that now redirects to another gets no token through the redirect', async () => {
    // A third API to sign in at, then gone: its URLs (API and issuer) now answer 307 to the second.
    const third = await startSandbox({ port: 0, autoApprove: true, rateLimit: 10_000 });
    const configDir = tempDir();
    const file = join(configDir, 'hostsmith-e2e/hostsmith/oauth.json');
    const signedIn = await env.server({ configDir, args: ['--api-url', third.api], env: processEnv });
    ok(await signedIn.client.callTool({ name: 'list_sites', arguments: {} }));
    await signedIn.close();
    const thirds = third.window.secrets();
    await third.close();
    const redirectors = await Promise.all(
      [
        [third.api, second.api],
        [third.issuer, second.issuer],
      ].map(([from, to]) => redirect(from!, to!)),
    );
    try {
      second.window.clearRequestLog();
      const tabs = env.tabs();
      // A fresh token goes to the API at once; an expired one first needs a refresh.
      for (const expired of [false, true]) {
        if (expired) {
          const content = JSON.parse(readFileSync(file, 'utf8'));
          content.credentials[third.api].expires_at = Math.floor(Date.now() / 1000) - 60;
          writeFileSync(file, JSON.stringify(content));
        }
        const server = await env.server({ configDir, args: ['--api-url', third.api], env: processEnv });
        const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
        expect(result.isError, `expired: ${expired}`).toBe(true);
        // Said for people: a redirect, not followed, and where to look.
        expect(text(result)).toMatch(/HTTP 307/);
        expect(text(result)).toMatch(/--api-url/);
        await server.close();
      }
      // logout cannot revoke through a redirect either: it says so, and forgets the tokens.
      const logout = await cli(['logout'], configDir);
      expect(logout.code, show(logout)).toBe(1);
      expect(logout.stdout).toMatch(/^ {2}revocation failed: .*HTTP 307/m);
      expect(logout.stdout).toMatch(/^ {2}local credentials removed$/m);
      expect(redirectors.reduce((n, r) => n + r.hits(), 0)).toBeGreaterThan(0);
      // Not followed: the second API and its issuer never heard of it, and no sign-in began.
      expect(second.window.requestLog()).toEqual([]);
      expect(crossed(thirds, second.window.secrets())).toBe(0);
      expect(env.tabs()).toBe(tabs);
      await expectNoSecretsLeaked({ sandbox: [thirds, second], dirs: [configDir, home, tmp] });
    } finally {
      await Promise.all(redirectors.map((r) => r.close()));
    }
  });
});

/** Listens where `from` was, answering every request with 307 to the same path under `to`. */
async function redirect(from: string, to: string): Promise<{ hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    req.resume();
    res.writeHead(307, { location: `${to}${req.url ?? '/'}` }).end();
  });
  const { hostname, port } = new URL(from);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), hostname, resolve);
  });
  return {
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
