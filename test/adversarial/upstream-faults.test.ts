// Adversarial row "upstream faults": the built server over stdio with the official MCP client,
// against the sandbox with its fault knobs turned. Reads are tried again with bounded backoff
// (3 tries); writes are never sent again once they may have arrived (the sandbox's request log
// counts them); every call answers within a stated bound — one request timeout per request and
// 3 tries — asserted by its mechanism (the error names the timeout, the log holds exactly the
// tries), never by the clock; and the server keeps serving afterwards. The stalls go to a second
// server on the same store with a 2 s request timeout; everything else to one with the default,
// so a loaded machine never turns a write that must succeed into "may or may not have been made".
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaultSpecInput } from '../../sandbox/api/faults.js';
import type { RequestLogEntry } from '../../sandbox/api/request-log.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { ROOT, type RunningServer } from '../helpers/mcp-server.js';

const env = await e2e();
const sb = env.sandbox.window;
type Site = { id: string; name: string; partition: 'us' | 'eu'; url: string };

let server: RunningServer;
/** The same store, --request-timeout 2: only for the stalls, which must outlast the timeout. */
let slow: RunningServer;
let site: Site;
/** Every fault injected, for the figures at the end. */
let injected = 0;

const callOn = (on: RunningServer, name: string, args: Record<string, unknown> = {}) =>
  on.client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const call = (name: string, args: Record<string, unknown> = {}) => callOn(server, name, args);

/** Runs `fn` with `faults` injected and a fresh request log; answers the log it left. */
async function underFaults(faults: FaultSpecInput[], fn: () => Promise<void>): Promise<RequestLogEntry[]> {
  sb.clearFaults();
  sb.clearRequestLog();
  const placed = faults.map((f) => sb.injectFault(f));
  injected += faults.reduce((n, f) => n + (f.count ?? 1), 0);
  let left = new Map<string, number>();
  try {
    await fn();
  } finally {
    left = new Map(sb.faults().map((f) => [f.id, f.remaining]));
    sb.clearFaults();
  }
  // A dropped or timed-out request is logged when its connection closes, which may come after
  // the call's answer: wait until every request a fault met is in the log.
  await vi.waitFor(
    () => {
      const log = sb.requestLog();
      for (const f of placed)
        expect(log.filter((e) => e.fault === f.id)).toHaveLength(f.remaining - (left.get(f.id) ?? 0));
    },
    { timeout: 30_000 },
  );
  return sb.requestLog();
}

const hits = (log: RequestLogEntry[], method: string, path: string) =>
  log.filter((e) => e.method === method && e.path === path);

beforeAll(async () => {
  server = await env.server();
  ok(await call('get_account')); // signs in through the scripted browser
  slow = await env.server({ args: ['--request-timeout', '2'] });
  site = ok<Site>(await call('create_site', { name: 'faults-site', partition: 'us' }));
  ok(
    await call('upload_files', {
      site_id: site.id,
      partition: 'us',
      files: [{ path: 'a.txt', content: 'a' }],
    }),
  );
});

describe('reads', () => {
  it('a burst of 5xx shorter than the tries is ridden out; a longer one ends after exactly 3 tries', async () => {
    const path = `/v1/sites/${site.id}`;
    const short = await underFaults(
      [{ kind: 'status', status: 502, method: 'GET', pathPrefix: path, count: 2 }],
      async () => {
        expect(ok<Site>(await call('get_site', { site_id: site.id, partition: 'us' })).id).toBe(site.id);
      },
    );
    expect(hits(short, 'GET', path).map((e) => e.status)).toEqual([502, 502, 200]);

    const long = await underFaults(
      [{ kind: 'status', status: 500, method: 'GET', pathPrefix: path, count: 10 }],
      async () => {
        const r = await call('get_site', { site_id: site.id, partition: 'us' });
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(/unavailable right now \(500/);
      },
    );
    expect(hits(long, 'GET', path).map((e) => e.status)).toEqual([500, 500, 500]);
  });

  it('a dropped connection is tried again', async () => {
    const path = `/v1/sites/${site.id}/files`;
    const log = await underFaults([{ kind: 'drop', method: 'GET', pathPrefix: path, count: 1 }], async () => {
      const files = ok<{ files: Array<{ path: string }> }>(
        await call('list_files', { site_id: site.id, partition: 'us' }),
      );
      expect(files.files.map((f) => f.path)).toEqual(['a.txt']);
    });
    expect(hits(log, 'GET', path).map((e) => e.status)).toEqual([null, 200]);
  });

  it('a stall longer than the request timeout ends the call with an error naming the timeout, not another wait', async () => {
    const path = `/v1/sites/${site.id}`;
    const log = await underFaults(
      [{ kind: 'stall', ms: 10_000, method: 'GET', pathPrefix: path, count: 1 }],
      async () => {
        const r = await callOn(slow, 'get_site', { site_id: site.id, partition: 'us' });
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(
          /did not answer GET \/v1\/sites\/site_\S+ within 2 s \(the request timeout, --request-timeout\)/,
        );
      },
    );
    expect(hits(log, 'GET', path)).toHaveLength(1);
  });

  it('a 503 with a short Retry-After is waited out; a 429 with a long one is not, and says when', async () => {
    const path = `/v1/sites/${site.id}`;
    const short = await underFaults(
      [{ kind: 'status', status: 503, retryAfter: 1, method: 'GET', pathPrefix: path, count: 1 }],
      async () => {
        ok(await call('get_site', { site_id: site.id, partition: 'us' }));
      },
    );
    expect(hits(short, 'GET', path).map((e) => e.status)).toEqual([503, 200]);

    // The real rate limiter: one request a minute, so Retry-After is about a minute — past the
    // 10 s the client waits out inside one call.
    sb.clearRequestLog();
    sb.setRateLimits({ rateLimit: 1 });
    try {
      ok(await call('get_site', { site_id: site.id, partition: 'us' }));
      const limited = await call('get_site', { site_id: site.id, partition: 'us' });
      expect(limited.isError).toBe(true);
      expect(text(limited)).toMatch(/rate limiting these requests\. Try again in \d+ seconds/);
      expect(hits(sb.requestLog(), 'GET', path).map((e) => e.status)).toEqual([200, 429]);
    } finally {
      sb.setRateLimits({ rateLimit: 10_000 });
    }
  });

  it('malformed JSON is a clear error, not a crash', async () => {
    const path = `/v1/sites/${site.id}`;
    const log = await underFaults(
      [{ kind: 'malformed', method: 'GET', pathPrefix: path, count: 1 }],
      async () => {
        const r = await call('get_site', { site_id: site.id, partition: 'us' });
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(/not JSON.*try again later/);
      },
    );
    expect(hits(log, 'GET', path)).toHaveLength(1);
  });

  it('one partition down: both-partition reads answer with the other and name the one that failed', async () => {
    const log = await underFaults([{ kind: 'status', status: 502, partition: 'eu', count: 50 }], async () => {
      const listed = ok<{ sites: Site[]; failedPartitions?: Array<{ partition: string; error: string }> }>(
        await call('list_sites'),
      );
      expect(listed.sites.some((s) => s.id === site.id)).toBe(true);
      expect(listed.sites.every((s) => s.partition === 'us')).toBe(true);
      expect(listed.failedPartitions).toEqual([{ partition: 'eu', error: expect.any(String) }]);
      const euOnly = await call('list_domains', { partition: 'eu' });
      expect(euOnly.isError).toBe(true);
      expect(text(euOnly)).toMatch(/unavailable/);
    });
    // Bounded: 3 tries per read in eu, then the answer.
    expect(hits(log, 'GET', '/v1/sites').filter((e) => e.partition === 'eu')).toHaveLength(3);
    expect(hits(log, 'GET', '/v1/domains').filter((e) => e.partition === 'eu')).toHaveLength(3);
  });
});

describe('writes are never sent again blindly', () => {
  it('POST sites: once after a 5xx, once after a drop, once after a stall; each says the change may have been made', async () => {
    for (const fault of [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503, retryAfter: 0 },
      { kind: 'drop' },
      { kind: 'stall', ms: 10_000 },
    ] as const) {
      const log = await underFaults(
        [{ ...fault, method: 'POST', pathPrefix: '/v1/sites', count: 5 }],
        async () => {
          const on = fault.kind === 'stall' ? slow : server;
          const r = await callOn(on, 'create_site', { name: `faults-${fault.kind}`, partition: 'us' });
          expect(r.isError, JSON.stringify(fault)).toBe(true);
          expect(text(r)).toMatch(/may or may not have been made/);
        },
      );
      expect(hits(log, 'POST', '/v1/sites'), JSON.stringify(fault)).toHaveLength(1);
    }
  });

  it('DELETE and PATCH: once after a 5xx or a drop', async () => {
    const filePath = `/v1/sites/${site.id}/files/a.txt`;
    const del = await underFaults(
      [{ kind: 'drop', method: 'DELETE', pathPrefix: filePath, count: 5 }],
      async () => {
        expect(
          (await call('delete_file', { site_id: site.id, partition: 'us', path: 'a.txt' })).isError,
        ).toBe(true);
      },
    );
    expect(hits(del, 'DELETE', filePath)).toHaveLength(1);
    const sitePath = `/v1/sites/${site.id}`;
    const patch = await underFaults(
      [{ kind: 'status', status: 502, method: 'PATCH', pathPrefix: sitePath, count: 5 }],
      async () => {
        const r = await call('update_site', {
          site_id: site.id,
          partition: 'us',
          error_document: '404.html',
        });
        expect(r.isError).toBe(true);
      },
    );
    expect(hits(patch, 'PATCH', sitePath)).toHaveLength(1);
  });

  it('a deploy: a dropped blob PUT is sent again (idempotent by digest); a failed create is not', async () => {
    const deploys = `/v1/sites/${site.id}/deploys`;
    const directory = join(ROOT, 'examples/site');
    const retried = await underFaults(
      [{ kind: 'drop', method: 'PUT', pathPrefix: deploys, count: 1 }],
      async () => {
        ok(await call('deploy_directory', { site_id: site.id, partition: 'us', directory }));
      },
    );
    const puts = retried.filter((e) => e.method === 'PUT' && e.path.startsWith(deploys));
    expect(puts.filter((e) => e.status === null)).toHaveLength(1);
    expect(new Set(puts.map((e) => e.path)).size).toBe(puts.length - 1); // the dropped one, again
    expect(hits(retried, 'POST', deploys)).toHaveLength(1);

    const refused = await underFaults(
      [{ kind: 'status', status: 502, method: 'POST', pathPrefix: deploys, count: 5 }],
      async () => {
        const r = await call('deploy_directory', { site_id: site.id, partition: 'us', directory });
        expect(r.isError).toBe(true);
      },
    );
    expect(refused.filter((e) => e.method === 'POST' && e.path.startsWith(deploys))).toHaveLength(1);
  });
});

describe('afterwards', () => {
  it('the same server keeps serving: a normal call works and nothing crashed', async () => {
    sb.clearFaults();
    const account = ok<{ user: { email: string } }>(await call('get_account'));
    expect(account.user.email).toBe('ada@example.com');
    expect(ok<Site>(await call('get_site', { site_id: site.id, partition: 'us' })).id).toBe(site.id);
    for (const s of [server, slow]) expect(s.stderr()).not.toMatch(/Unhandled|TypeError|at .*\.js:\d+/);
    expect(injected).toBeGreaterThan(30);
  });
});
