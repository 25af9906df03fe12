// How the Hostsmith client fails when nobody answers: one message per failure (not "Could not
// reach Hostsmith (…): Could not reach Hostsmith (…)"), a timeout named as the request timeout,
// and which requests are tried again. The server is a real loopback HTTP server; only the
// Session (the token source) is faked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../src/auth/types.js';
import { HostsmithClient, HostsmithError } from '../../src/hostsmith/client.js';
import { createDeploy, getSiteUrl, publishDeploy } from '../../src/hostsmith/deploys.js';
import type { Logger } from '../../src/log.js';
import { toToolErrorText } from '../../src/mcp/errors.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const session: Session = {
  accessToken: async () => 'token-for-tests-only',
  afterUnauthorized: async () => 'token-for-tests-only',
  beginSignIn: async () => {
    throw new Error('no sign-in here');
  },
  account: async () => undefined,
};

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/** A loopback server that answers each request with `handler`; counts the requests by method. */
async function serve(
  handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise((r) => server.close(r)).then(() => server.closeAllConnections()) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

function client(apiUrl: string, timeoutMs = 10_000) {
  const c = new HostsmithClient({
    apiUrl,
    session,
    log: quiet,
    userAgent: 'test',
    timeoutMs,
    retryBaseDelayMs: 1,
  });
  open.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<HostsmithError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostsmithError);
  return error as HostsmithError;
}

describe('one message per failure', () => {
  it('a refused connection says "Could not reach" once, with what to do', async () => {
    const { url, server } = await serve(() => {});
    await new Promise((r) => server.close(r));
    const error = await failure(client(url).listDomains());
    expect(error.code).toBe('network');
    const text = toToolErrorText(error);
    expect(text.match(/Could not reach/g)).toHaveLength(1);
    expect(text).toMatch(/GET \/v1\/domains/);
    expect(text).toMatch(/try again/i);
  });

  it('a dropped connection says "Could not reach" once', async () => {
    const { url } = await serve((req) => req.socket.destroy());
    const text = toToolErrorText(await failure(client(url).listDomains()));
    expect(text.match(/Could not reach/g)).toHaveLength(1);
    expect(text.match(/Hostsmith/g)).toHaveLength(1);
  });

  it('a stall longer than the request timeout is named as the timeout, and not tried again', async () => {
    const { url, hits, server } = await serve(() => {}); // never answers
    let connections = 0;
    let unclosed = 0;
    server.on('connection', (socket) => {
      connections++;
      unclosed++;
      socket.once('close', () => unclosed--);
    });
    const error = await failure(client(url, 300).listDomains());
    expect(error.code).toBe('timeout');
    const text = toToolErrorText(error);
    expect(text).toMatch(/did not answer GET \/v1\/domains within 0\.3 s/);
    expect(text).toMatch(/--request-timeout/);
    // The server may read a request only after the client gave up on it (a loaded machine): wait
    // until this turn's pending connections are accepted and every one is read to its end.
    await new Promise((resolve) => setImmediate(resolve));
    await vi.waitFor(() => expect(unclosed).toBe(0), { timeout: 30_000 });
    // One try: one connection (an aborted request's socket is never reused), one request at most
    // (none if the client gave up before it could even write it).
    expect(connections).toBe(1);
    expect(hits.length).toBeLessThanOrEqual(1);
  });
});

describe('which requests are tried again (retry-policy.ts), as the client sends them', () => {
  const answer500 = (_req: unknown, res: import('node:http').ServerResponse) =>
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end('{"error":{"code":"internal","message":"boom"}}');

  it('a read: three tries on a 5xx, then the error', async () => {
    const { url, hits } = await serve(answer500);
    const error = await failure(client(url).listDomains());
    expect(error.status).toBe(500);
    expect(hits).toEqual(['GET /v1/domains', 'GET /v1/domains', 'GET /v1/domains']);
  });

  it('a read: a dropped connection is tried again and then succeeds', async () => {
    let n = 0;
    const { url, hits } = await serve((req, res) => {
      if (n++ === 0) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"domains":[]}');
    });
    expect(await client(url).listDomains()).toEqual([]);
    expect(hits).toHaveLength(2);
  });

  it('a file PUT (idempotent by path) is tried again after a 5xx', async () => {
    const { url, hits } = await serve(answer500);
    await failure(client(url).putFile('site_a', 'a.txt', Buffer.from('a'), 'text/plain'));
    expect(hits).toHaveLength(3);
  });

  it.each([
    ['POST sites', (c: HostsmithClient) => c.createSite('x')],
    ['PATCH a site', (c: HostsmithClient) => c.updateSite('site_a', { name: 'y' })],
    ['DELETE a site', (c: HostsmithClient) => c.deleteSite('site_a')],
    ['DELETE a file', (c: HostsmithClient) => c.deleteFile('site_a', 'a.txt')],
  ])('%s is sent once: not after a 5xx, not after a dropped connection', async (_name, call) => {
    const five = await serve(answer500);
    const error = await failure(call(client(five.url)));
    expect(five.hits).toHaveLength(1);
    expect(toToolErrorText(error)).toMatch(/may or may not have been made/);
    const dropped = await serve((req) => req.socket.destroy());
    expect(toToolErrorText(await failure(call(client(dropped.url))))).toMatch(
      /may or may not have been made/,
    );
    expect(dropped.hits).toHaveLength(1);
  });

  it('the deploy calls: create and publish are POSTs, sent once; the site read is tried again', async () => {
    const { url, hits } = await serve(answer500);
    const c = client(url);
    const ref = { siteId: 'site_a' };
    await failure(createDeploy(c, ref, { 'index.html': 'a'.repeat(64) }));
    await failure(publishDeploy(c, ref, 'dep_1'));
    await failure(getSiteUrl(c, ref));
    expect(hits).toEqual([
      'POST /v1/sites/site_a/deploys',
      'POST /v1/sites/site_a/deploys/dep_1/publish',
      'GET /v1/sites/site_a',
      'GET /v1/sites/site_a',
      'GET /v1/sites/site_a',
    ]);
  });

  it('a POST refused with 503 is not sent again; with 429 it waits out Retry-After (bounded)', async () => {
    const unavailable = await serve((_req, res) =>
      res.writeHead(503, { 'retry-after': '0' }).end('{"error":{"code":"unavailable","message":"busy"}}'),
    );
    await failure(client(unavailable.url).createSite('x'));
    expect(unavailable.hits).toHaveLength(1);

    let n = 0;
    const limited = await serve((_req, res) => {
      if (n++ === 0)
        return res
          .writeHead(429, { 'retry-after': '0' })
          .end('{"error":{"code":"rate_limited","message":"slow"}}');
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'site_x',
          name: 'x',
          partition: 'us',
          url: 'https://x',
          createdAt: 'now',
          updatedAt: 'now',
          indexDocument: 'index.html',
          errorDocument: null,
        }),
      );
    });
    await client(limited.url)
      .createSite('x')
      .catch(() => {});
    expect(limited.hits).toEqual(['POST /v1/sites', 'POST /v1/sites']);

    // A Retry-After past the bound is not waited out: the error says when to come back.
    const far = await serve((_req, res) =>
      res.writeHead(429, { 'retry-after': '3600' }).end('{"error":{"code":"rate_limited","message":"slow"}}'),
    );
    const error = await failure(client(far.url).listDomains());
    expect(error.retryAfter).toBe(3600);
    expect(far.hits).toHaveLength(1);
  });

  it('a POST whose connection was never made is sent when it can be (nothing reached the server)', async () => {
    const { url, server } = await serve(() => {});
    await new Promise((r) => server.close(r));
    const error = await failure(client(url).createSite('x'));
    expect(error.code).toBe('network');
    expect(toToolErrorText(error)).not.toMatch(/may or may not/);
  });
});
