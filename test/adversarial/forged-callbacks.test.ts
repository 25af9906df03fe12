// Adversarial row "forged callbacks": while the built server waits for a real sign-in on its
// loopback callback, anything on this machine (a local web page, another process) can send it
// requests. Each forgery gets its refusal without ending the wait or reaching the token
// endpoint, a forgery that does carry our state (a mix-up: wrong or missing `iss`, a replayed
// code) is refused and ends only that sign-in, the real sign-in still completes, and stderr
// holds a handful of lines, not one per forgery. Loopback only; every loop is bounded.
import { request } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, it, vi } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { type RunningServer, tempDir } from '../helpers/mcp-server.js';
import { ScriptedBrowser } from '../helpers/scripted-browser.js';

const env = await e2e(); // auto-approve: the scripted browser goes straight to our callback
const START_LINK = /(http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/g;
const JUNK = 200;

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One raw request (fetch would normalise the path and refuse to forge Host). */
function send(
  origin: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer to ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

const stderrLines = (server: RunningServer) => server.stderr().split('\n').filter(Boolean).length;
const tokenRequests = () =>
  env.sandbox.window
    .requestLog()
    .filter((e) => e.server === 'issuer' && e.method === 'POST' && /token/.test(e.path)).length;

/** A get_account call waiting on a new sign-in, and that sign-in's start link (the n-th on stderr). */
async function waitingCall(server: RunningServer, n: number) {
  const call = server.client.callTool({
    name: 'get_account',
    arguments: { partition: 'us' },
  }) as Promise<CallToolResult>;
  call.catch(() => {}); // a failing test closes the server under the call
  for (let i = 0; i < 200; i++) {
    const links = [...new Set([...server.stderr().matchAll(START_LINK)].map((m) => m[1] as string))];
    if (links[n]) return { call, link: links[n] as string, origin: new URL(links[n] as string).origin };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no start link #${n + 1} on stderr:\n${server.stderr()}`);
}

/**
 * Open the start link as the person's browser would, without going on: the authorization URL
 * (its state is what a mix-up attacker would see) and the binding cookie the callback expects.
 */
async function openStartLink(link: string): Promise<{ state: string; cookie: string }> {
  const res = await fetch(link, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const state = new URL(res.headers.get('location') ?? '').searchParams.get('state');
  expect(state).toBeTruthy();
  const cookie = (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^hostsmith_sign_in_\d+=/);
  return { state: state as string, cookie };
}

let realCallback = '';

describe('forged callbacks during a real sign-in', () => {
  it('refuses every forgery without our state, the flood costs a few log lines, and the real sign-in completes', async () => {
    const server = await env.server({ configDir: tempDir(), clientName: 'forged-a', args: ['--no-browser'] });
    const { call, link, origin } = await waitingCall(server, 0);
    const port = new URL(origin).port;
    const linesBefore = stderrLines(server);
    const tokensBefore = tokenRequests();
    const iss = encodeURIComponent(env.sandbox.issuer);

    const cases: Array<[string, string, Record<string, string>, number]> = [
      ['wrong state', `/callback?code=forged&state=not-ours&iss=${iss}`, {}, 400],
      ['missing state', `/callback?code=forged&iss=${iss}`, {}, 400],
      ['missing iss, wrong state', '/callback?code=forged&state=not-ours', {}, 400],
      [
        'foreign iss, wrong state',
        '/callback?code=forged&state=not-ours&iss=https%3A%2F%2Fevil.example',
        {},
        400,
      ],
      ['access_denied, wrong state', `/callback?error=access_denied&state=not-ours&iss=${iss}`, {}, 400],
      ['access_denied, no state', '/callback?error=access_denied', {}, 400],
      ['an 8 KB query', `/callback?code=${'A'.repeat(8192)}&state=not-ours`, {}, 400],
      ['a non-loopback Host', `/callback?code=forged&state=not-ours`, { host: `evil.example:${port}` }, 421],
      ['a rebinding Host', '/callback?code=forged', { host: `127.0.0.1.evil.example:${port}` }, 421],
      ['another port in Host', '/callback?code=forged', { host: '127.0.0.1:1' }, 421],
      ['the root', '/', {}, 404],
      ['a favicon', '/favicon.ico', {}, 404],
      ['another start link', '/start/not-the-id', {}, 404],
      // Normalised to /callback: the state check refuses it there.
      ['a dot-dot path', '/x/%2e%2e/callback?code=forged', {}, 400],
      ['a dot-dot path out', '/callback/%2e%2e/%2e%2e/etc?code=forged', {}, 404],
      ['a longer path', '/callback/extra?code=forged', {}, 404],
    ];
    for (const [what, path, headers, status] of cases) {
      const answer = await send(origin, path, { headers });
      expect(answer.status, what).toBe(status);
      expect(answer.headers['cache-control'], what).toBe('no-store');
    }
    const posted = await send(origin, '/callback?code=forged&state=not-ours', { method: 'POST' });
    expect(posted.status).toBe(405);

    // 200 at once, a mix of the above.
    const junk = await Promise.all(
      Array.from({ length: JUNK }, (_, i) => {
        const [, path, headers, status] = cases[i % cases.length] as (typeof cases)[number];
        return send(origin, path.replace('not-ours', `not-ours-${i}`), { headers }).then((a) => [
          a.status,
          status,
        ]);
      }),
    );
    for (const [got, want] of junk) expect(got).toBe(want);

    // None of it reached the token endpoint or ended the wait.
    expect(tokenRequests()).toBe(tokensBefore);

    const page = await new ScriptedBrowser().open(link);
    expect(page.isCallback).toBe(true);
    expect(page.status).toBe(200);
    realCallback = page.url;
    expect(ok<{ user: { email: string } }>(await call).user.email).toBe('ada@example.com');

    // The log: a few refusals one by one, one summary when the callback server closed. The summary
    // comes after every refusal on the same stream: once it is read, they all are (counting right
    // after the flood could read stderr before the server's lines arrived, and pass on too few).
    await vi.waitFor(() => expect(server.stderr()).toMatch(/Refused \d+ more sign-in callbacks/), {
      timeout: 30_000,
    });
    const forgeries = cases.length + 1 + JUNK;
    const lines = server.stderr().split('\n').filter(Boolean).slice(linesBefore);
    const refusals = lines.filter((l) => /Refused (a sign-in callback|\d+ more sign-in callback)/.test(l));
    expect(refusals.length, refusals.join('\n')).toBeLessThanOrEqual(4);
    expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(10);
    expect(forgeries).toBeGreaterThan(200);

    // Replayed: the real callback again finds the server closed (one use).
    await expect(send(origin, new URL(realCallback).pathname + new URL(realCallback).search)).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await server.close();
  });

  it('with our state: missing or foreign iss and a replayed code are refused before any token is issued', async () => {
    expect(realCallback).toContain('code=');
    const server = await env.server({ configDir: tempDir(), clientName: 'forged-b', args: ['--no-browser'] });
    const iss = encodeURIComponent(env.sandbox.issuer);
    const replayedCode = new URL(realCallback).searchParams.get('code') as string;

    // 1. The old callback as it was (its state, its code): a wrong state here; the wait goes on.
    const first = await waitingCall(server, 0);
    const stale = await send(first.origin, `/callback${new URL(realCallback).search}`);
    expect(stale.status).toBe(400);
    const { state, cookie } = await openStartLink(first.link);
    // Our state from a browser that did not open the start link: refused, the wait goes on.
    const otherBrowser = await send(first.origin, `/callback?code=forged&state=${state}&iss=${iss}`);
    expect(otherBrowser.status).toBe(400);
    expect(otherBrowser.body).toMatch(/browser/i);

    // 2. Our state, the binding cookie, no iss (RFC 9207): refused, no token request.
    const tokens = tokenRequests();
    const noIss = await send(first.origin, `/callback?code=forged&state=${state}`, { headers: { cookie } });
    expect(noIss.status).toBe(400);
    const failed = await first.call;
    expect(failed.isError).toBe(true);
    // One message, naming the check that failed (not "…failed: Sign-in … failed: invalid response").
    expect(text(failed).match(/failed/g)).toHaveLength(1);
    expect(text(failed)).toMatch(/"iss" \(issuer\) missing/);
    expect(tokenRequests()).toBe(tokens);

    // 3. A foreign iss: the same.
    const second = await waitingCall(server, 1);
    const s2 = await openStartLink(second.link);
    const foreign = await send(
      second.origin,
      `/callback?code=forged&state=${s2.state}&iss=${encodeURIComponent('https://evil.example')}`,
      { headers: { cookie: s2.cookie } },
    );
    expect(foreign.status).toBe(400);
    expect((await second.call).isError).toBe(true);
    expect(tokenRequests()).toBe(tokens);

    // 4. A code that was already used, under this sign-in's state: the authorization server
    //    refuses it, and no token reaches the store.
    const third = await waitingCall(server, 2);
    const s3 = await openStartLink(third.link);
    const replay = await send(
      third.origin,
      `/callback?code=${encodeURIComponent(replayedCode)}&state=${s3.state}&iss=${iss}`,
      { headers: { cookie: s3.cookie } },
    );
    expect(replay.status).toBe(410);
    const replayed = await third.call;
    expect(replayed.isError).toBe(true);
    expect(text(replayed)).toMatch(/expired or was already used/);

    // 5. And then the real sign-in completes.
    const fourth = await waitingCall(server, 3);
    const page = await new ScriptedBrowser().open(fourth.link);
    expect(page.status).toBe(200);
    expect(ok<{ user: { email: string } }>(await fourth.call).user.email).toBe('ada@example.com');
    await server.close();
  });
});
