// The knobs (latency, injected faults) and the window (request log, limits), through the
// object startSandbox returns and through the loopback /_sandbox/ endpoints.
import { request } from 'node:http';
import { describe, expect, test, vi } from 'vitest';
import type { Fault } from '../../sandbox/api/faults.js';
import type { RequestLogEntry } from '../../sandbox/api/request-log.js';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox({ rateLimit: 10_000 });
const token = await sb.token();
const lin = await sb.token({ email: 'lin@example.com' });

function elapsed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  return fn().then((value) => [value, performance.now() - started]);
}

describe('faults', () => {
  test('the next N matching requests fail with the chosen 5xx, then it is used up', async () => {
    sb.window.injectFault({ kind: 'status', status: 503, retryAfter: 7, count: 2, pathPrefix: '/v1/sites' });
    const first = await call(sb.api, 'GET', '/v1/sites', { token });
    expect(first.status).toBe(503);
    expect(first.json.error?.code).toBe('unavailable');
    expect(first.headers['retry-after']).toBe('7');
    // Not matching: another route.
    expect((await call(sb.api, 'GET', '/v1/account', { token })).status).toBe(200);
    const second = await call(sb.api, 'GET', '/v1/sites/anything', { token });
    expect(second.status).toBe(503);
    expect((await call(sb.api, 'GET', '/v1/sites', { token })).status).toBe(200);
    expect(sb.window.faults()).toEqual([]);
  });

  test('by method and by partition (the defaulted partition counts)', async () => {
    sb.window.injectFault({ kind: 'status', status: 500, method: 'post', partition: 'eu' });
    // ada's GET in eu and POST in us do not match; lin's POST with no partition is in eu.
    expect((await call(sb.api, 'GET', '/v1/sites?partition=eu', { token })).status).toBe(200);
    const usPost = await call(sb.api, 'POST', '/v1/sites?partition=us', { token, body: { name: 'knob-us' } });
    expect(usPost.status).toBe(201);
    const linPost = await call(sb.api, 'POST', '/v1/sites', { token: lin, body: { name: 'knob-eu' } });
    expect(linPost.status).toBe(500);
    expect(linPost.json.error?.code).toBe('internal');
  });

  test('drop destroys the connection without an answer', async () => {
    sb.window.injectFault({ kind: 'drop', pathPrefix: '/v1/account' });
    await expect(call(sb.api, 'GET', '/v1/account', { token })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await call(sb.api, 'GET', '/v1/account', { token })).status).toBe(200);
  });

  test('stall holds the request for the given time, then answers normally', async () => {
    sb.window.clearRequestLog();
    const fault = sb.window.injectFault({ kind: 'stall', ms: 400, pathPrefix: '/v1/domains' });
    const [r, ms] = await elapsed(() => call(sb.api, 'GET', '/v1/domains', { token }));
    expect(r.status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(390);
    // Used up: the next request is not held (said by the log, not by a clock on a loaded machine).
    expect(sb.window.faults()).toEqual([]);
    expect((await call(sb.api, 'GET', '/v1/domains', { token })).status).toBe(200);
    expect(sb.window.requestLog().map((e) => [e.path, e.status, e.fault])).toEqual([
      ['/v1/domains', 200, fault.id],
      ['/v1/domains', 200, undefined],
    ]);
  });

  test('hold does the work at once and holds only the answer: a caller that gives up finds it done', async () => {
    sb.window.injectFault({ kind: 'hold', ms: 600_000, method: 'POST', pathPrefix: '/v1/sites' });
    const url = new URL(sb.api);
    const body = JSON.stringify({ name: 'held-site' });
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/v1/sites?partition=us',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': body.length,
      },
    });
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    const gone = new Promise((resolve) => req.on('error', resolve));
    req.end(body);
    // The site exists while its creator still has no answer.
    let names: string[] = [];
    for (let i = 0; i < 100 && !names.includes('held-site'); i++) {
      const list = await call<{ sites: { name: string }[] }>(sb.api, 'GET', '/v1/sites?partition=us', {
        token,
      });
      names = list.json.sites.map((site) => site.name);
      if (!names.includes('held-site')) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(names).toContain('held-site');
    expect(answered).toBe(false);
    req.destroy();
    await gone;
    expect(answered).toBe(false);
    expect(sb.window.faults()).toEqual([]);
  });

  test('malformed answers 200 application/json with a body that does not parse', async () => {
    sb.window.injectFault({ kind: 'malformed', pathPrefix: '/v1/sites' });
    const r = await call(sb.api, 'GET', '/v1/sites', { token });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(() => JSON.parse(r.text)).toThrow();
  });

  test('faults reach the sites too, and are refused when out of range', async () => {
    sb.window.injectFault({ kind: 'status', status: 502, pathPrefix: '/s/eu/' });
    expect((await fetch(`${sb.api}/s/eu/lin-blog/`)).status).toBe(502);
    expect((await fetch(`${sb.api}/s/eu/lin-blog/`)).status).toBe(200);
    expect(() => sb.window.injectFault({ kind: 'status', status: 404 })).toThrow();
    expect(() => sb.window.injectFault({ kind: 'status', count: 0 })).toThrow();
  });
});

describe('latency', () => {
  test('added per partition, to the API and the sites', async () => {
    sb.window.setLatency('eu', 3000);
    try {
      // All three at once. eu's lower bounds are sure; us is not held if it finishes while both eu
      // requests still are, and under the 3 s it would take if held (a wide margin under load).
      let euPending = 2;
      const settled = <T>(p: Promise<T>) => p.finally(() => (euPending -= 1));
      const euApi = elapsed(() => settled(call(sb.api, 'GET', '/v1/sites?partition=eu', { token })));
      const euSite = elapsed(() => settled(fetch(`${sb.api}/s/eu/lin-blog/`).then((r) => r.text())));
      const [us, usMs] = await elapsed(() => call(sb.api, 'GET', '/v1/sites?partition=us', { token }));
      expect(us.status).toBe(200);
      expect(euPending).toBe(2);
      expect(usMs).toBeLessThan(2990);
      const [[eu, euMs], [, siteMs]] = await Promise.all([euApi, euSite]);
      expect(eu.status).toBe(200);
      expect(euMs).toBeGreaterThanOrEqual(2990);
      expect(siteMs).toBeGreaterThanOrEqual(2990);
      expect(sb.window.latency()).toEqual({ us: 0, eu: 3000 });
    } finally {
      sb.window.setLatency('eu', 0);
    }
  });
});

describe('the window over HTTP', () => {
  test('faults, latency, limits and the request log', async () => {
    const injected = await call<Fault>(sb.api, 'POST', '/_sandbox/faults', {
      body: { kind: 'status', status: 504, pathPrefix: '/v1/account', count: 3 },
    });
    expect(injected.status).toBe(200);
    expect(injected.json).toMatchObject({ kind: 'status', status: 504, remaining: 3, server: 'api' });
    const listed = await call<{ faults: Fault[] }>(sb.api, 'GET', '/_sandbox/faults');
    expect(listed.json.faults.map((f) => f.id)).toEqual([injected.json.id]);
    expect((await call(sb.api, 'GET', '/v1/account', { token })).status).toBe(504);
    expect((await call(sb.api, 'DELETE', '/_sandbox/faults')).status).toBe(200);
    expect((await call(sb.api, 'GET', '/v1/account', { token })).status).toBe(200);

    const bad = await call(sb.api, 'POST', '/_sandbox/faults', { body: { kind: 'explode' } });
    expect(bad.status).toBe(400);

    expect(
      (await call(sb.api, 'PUT', '/_sandbox/latency', { body: { partition: 'us', ms: 5 } })).json,
    ).toEqual({
      us: 5,
      eu: 0,
    });
    await call(sb.api, 'PUT', '/_sandbox/latency', { body: { partition: 'us', ms: 0 } });
    const limits = await call(sb.api, 'PUT', '/_sandbox/rate-limits', { body: { uploadRateLimit: 50 } });
    expect(limits.json).toEqual({ rateLimit: 10_000, uploadRateLimit: 50 });
    await call(sb.api, 'PUT', '/_sandbox/rate-limits', { body: { uploadRateLimit: 2000 } });

    expect((await call(sb.api, 'DELETE', '/_sandbox/requests')).status).toBe(200);
    await call(sb.api, 'GET', '/v1/sites?partition=eu&limit=1', { token: lin });
    await call(sb.api, 'GET', '/v1/domains', { token: 'bogus' });
    await fetch(`${sb.api}/s/us/ada-portfolio/`);
    const log = await call<{ requests: RequestLogEntry[] }>(sb.api, 'GET', '/_sandbox/requests');
    expect(log.json.requests.map(({ time: _t, ...rest }) => rest)).toEqual([
      {
        server: 'api',
        method: 'GET',
        path: '/v1/sites',
        partition: 'eu',
        status: 200,
        user: 'lin@example.com',
      },
      { server: 'api', method: 'GET', path: '/v1/domains', partition: null, status: 401, user: null },
      {
        server: 'api',
        method: 'GET',
        path: '/s/us/ada-portfolio/',
        partition: 'us',
        status: 200,
        user: null,
      },
    ]);
    // The query string (which may carry codes or cursors) is never logged, and the window's own
    // calls are not in it.
    expect(JSON.stringify(sb.window.requestLog())).not.toContain('limit=');
    expect(sb.window.requestLog().some((e) => e.path.startsWith('/_sandbox'))).toBe(false);
  });

  test('a dropped request is logged with status null and the fault', async () => {
    sb.window.clearRequestLog();
    const fault = sb.window.injectFault({ kind: 'drop', pathPrefix: '/v1/account' });
    await expect(call(sb.api, 'GET', '/v1/account', { token })).rejects.toThrow();
    // The sandbox logs it when it sees the connection close, which may come after the client's error.
    await vi.waitFor(() => expect(sb.window.requestLog()).toHaveLength(1), { timeout: 10_000 });
    expect(sb.window.requestLog()).toMatchObject([{ path: '/v1/account', status: null, fault: fault.id }]);
  });

  test('unknown window endpoints are 404, wrong methods 405', async () => {
    expect((await call(sb.api, 'GET', '/_sandbox/nope')).status).toBe(404);
    expect((await call(sb.api, 'POST', '/_sandbox/requests')).status).toBe(405);
  });
});
