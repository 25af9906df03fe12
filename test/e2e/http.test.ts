// Local HTTP (`serve --http`), against the built server and the sandbox, with the official SDK
// client over Streamable HTTP: the sign-in through the scripted browser and the real loopback
// callback, tool calls in both protocol eras, every session of the process on one credential set,
// the secret (header or path; anything else 401), the rebinding guard (403), and SIGTERM while a
// call is under way (the call finishes, exit 0).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { INITIALIZE, type RunningHttpServer, rawPost, startHttpServer } from '../helpers/http-server.js';
import { tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();
const server: RunningHttpServer = await startHttpServer({
  api: env.sandbox.api,
  configDir: env.configDir,
  env: { SCRIPTED_BROWSER_LOG: env.browserLog },
});
afterAll(async () => {
  // The secret was printed once, at start, and never again (not even from a /mcp/<secret> URL).
  expect(server.stderr().split(server.secret)).toHaveLength(2);
  expect(await server.kill('SIGINT')).toEqual({ code: 0, signal: null });
});
const MODERN = { versionNegotiation: { mode: 'auto' as const } };
type Sites = { sites: Array<{ id: string; partition: string }> };

describe('serve --http', () => {
  it('signs in and calls tools; every session, in either era, shares the one sign-in', async () => {
    const first = await first_();
    expect(env.tabs()).toBe(1);
    // Folder of the first client to connect, for every session of the process.
    expect(existsSync(join(env.configDir, 'http-host-a', 'hostsmith', 'oauth.json'))).toBe(true);

    // A second host, the secret in the path (no header): no second sign-in.
    const second = await server.connect({ name: 'http-host-b', secretIn: 'path' });
    const again = ok<Sites>(await second.callTool({ name: 'list_sites', arguments: {} }));
    expect(again.sites.map((s) => s.id).sort()).toEqual(first.sites.map((s) => s.id).sort());

    // A 2026-07-28 client: a fresh server per request, the same credentials.
    const modern = await server.connect({ name: 'http-host-c', clientOptions: MODERN });
    expect(modern.getProtocolEra()).toBe('modern');
    ok(await modern.callTool({ name: 'get_account', arguments: {} }));

    expect(env.tabs()).toBe(1);
    expect(existsSync(join(env.configDir, 'http-host-b'))).toBe(false);
    expect(existsSync(join(env.configDir, 'http-host-c'))).toBe(false);
  });

  it.each([
    ['2025-11-25 (mid-call, on the session)', {}],
    ['2026-07-28 (an input round: its sealed state verified by the next request)', MODERN],
  ])('URL elicitation shows the sign-in link, %s', async (_, era) => {
    const alone = await startHttpServer({ api: env.sandbox.api, configDir: tempDir() });
    try {
      const client = await alone.connect({
        name: 'http-elicit',
        clientOptions: { ...era, capabilities: { elicitation: { url: {} } } },
      });
      const shown: string[] = [];
      client.setRequestHandler('elicitation/create', async (request) => {
        const url = (request.params as { url?: string }).url;
        if (!url) return { action: 'decline' as const };
        shown.push(url);
        setTimeout(() => void completeSignIn(url, { action: 'approve' }), 100);
        return { action: 'accept' as const };
      });
      ok(await client.callTool({ name: 'get_account', arguments: {} }));
      expect(shown).toHaveLength(1);
    } finally {
      expect(await alone.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses a missing or wrong secret with 401', async () => {
    const { port, secret } = server;
    const host = { host: `127.0.0.1:${port}` };
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const [path, headers] of [
      ['/mcp', {}],
      ['/mcp', { authorization: `Bearer ${wrong}` }],
      ['/mcp', { authorization: secret }], // not a bearer
      [`/mcp/${wrong}`, {}],
      [`/mcp/${wrong}`, { authorization: `Bearer ${secret}` }], // both given: both must match
    ] as const) {
      const answer = await rawPost(port, path, { ...host, ...headers }, INITIALIZE);
      expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(answer.body).toContain('Authorization: Bearer <secret>');
    }
    // The SDK client without the secret is refused too.
    await expect(server.connect({ name: 'no-secret', secretIn: 'none' })).rejects.toThrow(/401|Unauthorized/);
    // The right one passes (the guard, not the endpoint, answered the others).
    expect(
      (await rawPost(port, '/mcp', { ...host, authorization: `Bearer ${secret}` }, INITIALIZE)).status,
    ).toBe(200);
  });

  it('refuses a rebinding Host or a non-loopback Origin with 403', async () => {
    const { port, secret } = server;
    const auth = { authorization: `Bearer ${secret}` };
    for (const headers of [
      { host: `evil.example:${port}` } as Record<string, string>,
      { host: `127.0.0.1:${port + 1}` },
      { host: `127.0.0.1:${port}`, origin: 'https://evil.example' },
      { host: `localhost:${port}`, origin: 'null' },
    ]) {
      const answer = await rawPost(port, '/mcp', { ...auth, ...headers }, INITIALIZE);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
    }
    // A loopback page on another port may call (a local Inspector, say).
    const local = { ...auth, host: `localhost:${port}`, origin: 'http://localhost:6274' };
    expect((await rawPost(port, '/mcp', local, INITIALIZE)).status).toBe(200);
  });

  it('SIGTERM while a call is under way: the call finishes, then exit 0', async () => {
    // The first test's folder: signed in already, so the held call is the API's, not a sign-in's.
    const other = await startHttpServer({
      api: env.sandbox.api,
      configDir: env.configDir,
      args: ['--client', 'http-host-a'],
    });
    const client = await other.connect({ name: 'http-host-d' });
    ok(await client.callTool({ name: 'get_account', arguments: {} }));
    // The held answer must outlast SIGTERM reaching a loaded server (1.5 s was close) and end
    // within the server's 5 s drain (HTTP_DRAIN_MS) after it: 3.5 s leaves room on both sides.
    env.sandbox.window.injectFault({ kind: 'hold', ms: 3500, pathPrefix: '/v1/sites' });
    const call = client.callTool({ name: 'list_sites', arguments: { partition: 'us' } });
    // The request is at the sandbox, held.
    await vi.waitFor(() => expect(env.sandbox.window.faults()).toHaveLength(0), {
      timeout: 30_000,
      interval: 25,
    });
    const exit = other.kill('SIGTERM');
    ok(await call);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(other.stderr()).toMatch(/letting 1 request\(s\) under way finish/);
  });
});

/** The first host: bearer header, signs in through the browser, lists the sites. */
async function first_(): Promise<Sites> {
  const client = await server.connect({ name: 'http-host-a' });
  const tools = await client.listTools();
  expect(tools.tools).toHaveLength(11);
  return ok<Sites>(await client.callTool({ name: 'list_sites', arguments: {} }));
}
