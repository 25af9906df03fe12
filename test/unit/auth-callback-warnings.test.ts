// A local web page can send the loopback callback server as many forged requests as it likes:
// each refusal must not cost a stderr line. The first few are said, the rest are counted and
// summed up in one line per interval (and when the server closes).
import { request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { renderPage } from '../../src/auth/callback-page.js';
import { startCallbackServer } from '../../src/auth/callback-server.js';
import { createWarningLimiter } from '../../src/auth/warning-limiter.js';
import { createLogger } from '../../src/log.js';

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('the warning limiter', () => {
  it('says the first few, then one summary per interval with the count', () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const limiter = createWarningLimiter({
        warn: (m) => lines.push(m),
        burst: 3,
        intervalMs: 60_000,
        summary: (n) => `${n} more refused`,
      });
      for (let i = 0; i < 50; i++) limiter.warn(`refused ${i}`);
      expect(lines).toEqual(['refused 0', 'refused 1', 'refused 2']);
      vi.advanceTimersByTime(60_000);
      expect(lines.slice(3)).toEqual(['47 more refused']);
      // The next interval: still counted, not said one by one.
      for (let i = 0; i < 5; i++) limiter.warn('again');
      expect(lines).toHaveLength(4);
      vi.advanceTimersByTime(60_000);
      expect(lines.slice(4)).toEqual(['5 more refused']);
      // A quiet interval says nothing.
      vi.advanceTimersByTime(600_000);
      expect(lines).toHaveLength(5);
      limiter.warn('late');
      limiter.flush();
      expect(lines.slice(5)).toEqual(['1 more refused']);
      limiter.flush();
      expect(lines).toHaveLength(6);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the callback server under a flood of forged callbacks', () => {
  it('refuses all 200, writes a handful of lines, and sums up the rest when it closes', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    const server = await startCallbackServer<string>({
      state: 'state-0123456789abcdef',
      timeoutMs: 60_000,
      log,
      complete: async () => ({
        status: 200,
        page: renderPage('success', { email: 'ada@example.com' }),
        outcome: { ok: true, value: 'done' },
      }),
    });
    const statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => get(`${server.redirectUri}?code=c${i}&state=forged-${i}`)),
    );
    expect(new Set(statuses)).toEqual(new Set([400]));
    expect(lines.length).toBeLessThanOrEqual(5);
    server.close();
    await server.result.catch(() => {});
    const all = lines.join('');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(all).toMatch(/wrong or missing state/);
    expect(all).toMatch(/\b19[0-9] more\b/);
  });
});
