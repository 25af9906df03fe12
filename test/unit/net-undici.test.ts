// src/net/undici.ts: undici's parts from its own files (the bundle leaves the rest out), and the
// fetch that openid-client gets, over `request`, against a real loopback HTTP server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/net/dispatcher.js';
import { EnvHttpProxyAgent, fetchVia, request } from '../../src/net/undici.js';

let server: Server;
let base = '';
const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];
const routes: Record<string, (res: ServerResponse) => void> = {
  '/json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  '/empty': (res) => res.writeHead(204).end(),
  '/moved': (res) => res.writeHead(302, { location: '/json' }).end('gone'),
  '/cookies': (res) => {
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.writeHead(200).end('x');
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      (routes[req.url?.split('?')[0] ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('undici parts', () => {
  const dispatcher = createDispatcher({ timeoutMs: 5_000 });
  afterAll(() => dispatcher.close());

  it('the agent is undici’s proxy-aware one, and request sends to the URL’s origin and path', async () => {
    expect(dispatcher).toBeInstanceOf(EnvHttpProxyAgent);
    const res = await request(`${base}/json?x=1`, { dispatcher, method: 'GET' });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true });
    expect(seen.at(-1)?.url).toBe('/json?x=1');
  });

  it('fetchVia sends a form as fetch does, and answers a WHATWG Response with the url', async () => {
    const response = await fetchVia(dispatcher, `${base}/json`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'r t' }),
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${base}/json`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    const sent = seen.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(sent.body).toBe('grant_type=refresh_token&refresh_token=r+t');
  });

  it('fetchVia: a redirect is answered as it is, a 204 has no body, repeated headers all arrive', async () => {
    const moved = await fetchVia(dispatcher, `${base}/moved`, {});
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('/json');
    const empty = await fetchVia(dispatcher, `${base}/empty`, {});
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const cookies = await fetchVia(dispatcher, `${base}/cookies`, {});
    expect(cookies.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('fetchVia refuses a body it cannot send as is', async () => {
    await expect(fetchVia(dispatcher, `${base}/json`, { method: 'POST', body: { a: 1 } })).rejects.toThrow(
      /a body must be a string, bytes or URLSearchParams/,
    );
  });
});
