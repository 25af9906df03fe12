// The one-shot loopback callback server: only our state is acted on, strays are refused
// without ending the wait, and it closes after its one use, on timeout, or when cancelled.
import { request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { renderPage } from '../../src/auth/callback-page.js';
import { type CallbackAnswer, startCallbackServer } from '../../src/auth/callback-server.js';
import { AuthError } from '../../src/auth/types.js';
import { createLogger } from '../../src/log.js';

const STATE = 'state-0123456789abcdef';

function get(
  url: string,
  opts: { method?: string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.host ? { host: opts.host } : {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function setup(opts: { timeoutMs?: number } = {}) {
  const lines: string[] = [];
  const calls: URL[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const complete = vi.fn(async (url: URL): Promise<CallbackAnswer<string>> => {
    calls.push(url);
    return {
      status: 200,
      page: renderPage('success', { email: 'ada@example.com' }),
      outcome: { ok: true, value: 'done' },
    };
  });
  return {
    lines,
    calls,
    complete,
    server: startCallbackServer<string>({ state: STATE, timeoutMs: opts.timeoutMs ?? 60_000, complete, log }),
  };
}

describe('callback server', () => {
  it('listens on 127.0.0.1 with an OS-picked port and a /callback redirect URI', async () => {
    const { server: started } = setup();
    const server = await started;
    expect(server.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(server.redirectUri).not.toBe('http://127.0.0.1:0/callback');
    server.close();
    await expect(server.result).rejects.toMatchObject({ code: 'SIGN_IN_CANCELLED' });
  });

  it('refuses strays and wrong states without ending the wait, then completes once', async () => {
    const { server: started, complete, calls, lines } = setup();
    const server = await started;

    const favicon = await get(`${server.origin}/favicon.ico`);
    expect(favicon.status).toBe(404);
    expect(favicon.body).toContain('only finishes signing in');

    const wrong = await get(`${server.redirectUri}?code=stolen&state=not-the-state`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('does not match');
    const missing = await get(`${server.redirectUri}?code=stolen`);
    expect(missing.status).toBe(400);
    const post = await get(`${server.redirectUri}?code=c&state=${STATE}`, { method: 'POST' });
    expect(post.status).toBe(405);
    const rebound = await get(`${server.redirectUri}?code=c&state=${STATE}`, { host: 'evil.example' });
    expect(rebound.status).toBe(421);
    expect(complete).not.toHaveBeenCalled();
    expect(lines.join('')).toMatch(/wrong or missing state; still waiting/);

    const ok = await get(`${server.redirectUri}?code=the-code&state=${STATE}&iss=https%3A%2F%2Fauth.example`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(ok.body).toContain('signed in to Hostsmith as <strong>ada@example.com</strong>');
    await expect(server.result).resolves.toBe('done');
    expect(complete).toHaveBeenCalledTimes(1);
    // Rebuilt on our redirect URI, whatever Host the browser used.
    expect(calls[0]?.origin).toBe(server.origin);
    expect(calls[0]?.pathname).toBe('/callback');
    expect(calls[0]?.searchParams.get('code')).toBe('the-code');
    expect(calls[0]?.searchParams.get('iss')).toBe('https://auth.example');

    // Closed after its one use.
    await vi.waitFor(() =>
      expect(get(`${server.redirectUri}?state=${STATE}`)).rejects.toThrow(/ECONNREFUSED/),
    );
  });

  it('accepts the callback under localhost as well', async () => {
    const { server: started } = setup();
    const server = await started;
    const port = new URL(server.origin).port;
    const ok = await get(`${server.redirectUri}?code=c&state=${STATE}`, { host: `localhost:${port}` });
    expect(ok.status).toBe(200);
    await expect(server.result).resolves.toBe('done');
  });

  it('ends with the failure the callback produced (denied)', async () => {
    const lines: string[] = [];
    const server = await startCallbackServer<string>({
      state: STATE,
      timeoutMs: 60_000,
      log: createLogger({ write: (l) => lines.push(l) }),
      complete: async () => ({
        status: 403,
        page: renderPage('denied'),
        outcome: { ok: false, error: new AuthError('ACCESS_DENIED', 'declined') },
      }),
    });
    const denied = await get(`${server.redirectUri}?error=access_denied&state=${STATE}`);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('You chose not to let this app use your Hostsmith account');
    await expect(server.result).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('serves the start link as a redirect while waiting', async () => {
    const { server: started } = setup();
    const server = await started;
    const link = server.startLink('abc123', 'https://auth.example/authorize?state=x');
    expect(link).toBe(`${server.origin}/start/abc123`);
    const res = await get(link);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://auth.example/authorize?state=x');
    expect((await get(`${server.origin}/start/other`)).status).toBe(404);
    server.close();
    await expect(server.result).rejects.toMatchObject({ code: 'SIGN_IN_CANCELLED' });
  });

  it('gives up after its timeout and closes', async () => {
    const { server: started, complete } = setup({ timeoutMs: 150 });
    const server = await started;
    await expect(server.result).rejects.toMatchObject({ code: 'SIGN_IN_TIMEOUT' });
    await expect(get(`${server.redirectUri}?code=c&state=${STATE}`)).rejects.toThrow(/ECONNREFUSED/);
    expect(complete).not.toHaveBeenCalled();
  });
});
