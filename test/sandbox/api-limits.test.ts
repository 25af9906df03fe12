// Rate limits per user and partition: JSON endpoints and uploads each against their own budget,
// answered 429 rate_limited with Retry-After.
import { describe, expect, test } from 'vitest';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const jsonLimited = await startTestSandbox({ rateLimit: 5, uploadRateLimit: 1000 });
const uploadLimited = await startTestSandbox({ rateLimit: 1000, uploadRateLimit: 3 });
const tight = await startTestSandbox({ rateLimit: 1 });

describe('429 rate_limited', () => {
  test('JSON requests: the limit+1st is 429 with Retry-After; uploads, other partitions and users go on', async () => {
    const sb = jsonLimited;
    const ada = await sb.token();
    const siteId = (
      await call<{ sites: Array<{ id: string }> }>(sb.api, 'GET', '/v1/sites?partition=us', { token: ada })
    ).json.sites[0]!.id;
    for (let i = 0; i < 4; i++)
      expect((await call(sb.api, 'GET', '/v1/account', { token: ada })).status).toBe(200);
    const limited = await call(sb.api, 'GET', '/v1/sites', { token: ada });
    expect(limited.status).toBe(429);
    expect(limited.json.error?.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Every JSON endpoint shares the budget.
    expect((await call(sb.api, 'GET', '/v1/domains', { token: ada })).status).toBe(429);
    // Uploads have their own.
    const upload = await call(sb.api, 'PUT', `/v1/sites/${siteId}/files/rl.txt?partition=us`, {
      token: ada,
      raw: 'x',
    });
    expect(upload.status).toBe(201);
    // Per partition and per user.
    expect((await call(sb.api, 'GET', '/v1/sites?partition=eu', { token: ada })).status).toBe(200);
    const lin = await sb.token({ email: 'lin@example.com' });
    expect((await call(sb.api, 'GET', '/v1/sites?partition=us', { token: lin })).status).toBe(200);
    // Raising the limit at runtime (it also resets the counters) lets the next call through.
    sb.window.setRateLimits({ rateLimit: 100 });
    expect((await call(sb.api, 'GET', '/v1/sites', { token: ada })).status).toBe(200);
  });

  test('uploads: file and blob PUTs share their own budget; JSON calls go on', async () => {
    const sb = uploadLimited;
    const token = await sb.token();
    const site = await call<{ id: string }>(sb.api, 'POST', '/v1/sites', { token, body: { name: 'ada-rl' } });
    const files = `/v1/sites/${site.json.id}/files`;
    expect((await call(sb.api, 'PUT', `${files}/a.txt`, { token, raw: 'a' })).status).toBe(201);
    expect((await call(sb.api, 'PUT', `${files}/b.txt`, { token, raw: 'b' })).status).toBe(201);
    const digest = 'a'.repeat(64);
    const dep = await call<{ id: string }>(sb.api, 'POST', `/v1/sites/${site.json.id}/deploys`, {
      token,
      body: { files: { 'x.txt': digest } },
    });
    // The third upload is a blob PUT (422: the bytes are wrong, but it was counted).
    const blob = `/v1/sites/${site.json.id}/deploys/${dep.json.id}/blobs/${digest}`;
    expect((await call(sb.api, 'PUT', blob, { token, raw: 'nope' })).status).toBe(422);
    const limited = await call(sb.api, 'PUT', blob, { token, raw: 'nope' });
    expect(limited.status).toBe(429);
    expect(limited.json.error?.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await call(sb.api, 'PUT', `${files}/c.txt`, { token, raw: 'c' })).status).toBe(429);
    expect((await call(sb.api, 'GET', files, { token })).status).toBe(200);
    expect(sb.window.rateLimits()).toEqual({ rateLimit: 1000, uploadRateLimit: 3 });
  });

  test('Retry-After counts down to when the oldest counted request leaves the minute', async () => {
    const sb = tight;
    const token = await sb.token();
    await call(sb.api, 'GET', '/v1/account', { token });
    await new Promise((r) => setTimeout(r, 1100));
    const limited = await call(sb.api, 'GET', '/v1/account', { token });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(59);
  });
});
