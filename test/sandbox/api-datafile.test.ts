// The --data file on its own: slots, debounced atomic writes, flush on close, refusal of a
// file that is not ours; and the API's store surviving a round trip through it.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { isLoopbackPeer } from '../../sandbox/api/http.js';
import { createApi } from '../../sandbox/api/index.js';
import { openDataFile } from '../../sandbox/persist.js';
import { USERS } from '../../sandbox/users.js';

const dir = () => mkdtempSync(join(tmpdir(), 'sandbox-data-'));

describe('the data file', () => {
  test('slots are written together, debounced, atomically, mode 0600', async () => {
    const path = join(dir(), 'data.json');
    const file = openDataFile(path);
    const a = file.slot('a');
    const b = file.slot('b');
    expect(a.load()).toBeUndefined();
    a.save({ n: 1 });
    a.save({ n: 2 });
    b.save({ toJSON: () => ({ lazy: true }) });
    // Debounced: nothing yet.
    expect(() => readFileSync(path)).toThrow();
    // Written once the debounce has passed; the atomic rename means a file that is there is whole.
    const written = await vi.waitFor(() => JSON.parse(readFileSync(path, 'utf8')) as unknown, {
      timeout: 10_000,
      interval: 20,
    });
    expect(written).toEqual({
      version: 1,
      slots: { a: { n: 2 }, b: { lazy: true } },
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    a.save({ n: 3 });
    await file.close();
    expect(JSON.parse(readFileSync(path, 'utf8')).slots.a).toEqual({ n: 3 });
    // No temp files left behind.
    expect(readdirSync(join(path, '..'))).toEqual(['data.json']);
    const again = openDataFile(path);
    expect(again.slot('a').load()).toEqual({ n: 3 });
    expect(again.slot('b').load()).toEqual({ lazy: true });
  });

  test('a file that is not a sandbox data file is refused, not overwritten', () => {
    const path = join(dir(), 'data.json');
    writeFileSync(path, '{"something":"else"}');
    expect(() => openDataFile(path)).toThrow(/not a sandbox data file/);
    writeFileSync(path, 'not json');
    expect(() => openDataFile(path)).toThrow();
    expect(readFileSync(path, 'utf8')).toBe('not json');
  });

  test('the API store round-trips: sites, files, blobs, deploys, ids', async () => {
    const path = join(dir(), 'data.json');
    const auth = {
      verifyAccessToken: async () => null,
      grants: async () => [],
      revokeGrant: async () => false,
      refreshCounts: () => ({}),
      tokenErrors: () => ({}),
      currentRefreshTokens: () => [],
      secrets: () => ({ accessTokens: [], refreshTokens: [], authorizationCodes: [], codeVerifiers: [] }),
      setAccessTokenTtl: () => {},
    };
    const base = {
      api: 'http://127.0.0.1:1',
      issuer: 'http://127.0.0.1:2',
      users: USERS,
      auth,
      rateLimit: 1,
      uploadRateLimit: 1,
    };
    const first = openDataFile(path);
    const one = createApi({ ...base, persist: first.slot('api') });
    await first.close();
    const second = openDataFile(path);
    const two = createApi({ ...base, persist: second.slot('api') });
    expect(two.store.toJSON()).toEqual(one.store.toJSON());
    expect(two.store.sites.size).toBeGreaterThan(5);
    const site = [...two.store.sites.values()][0]!;
    const file = [...site.files.values()][0]!;
    expect(two.store.blob(site, file)?.length).toBe(file.size);
  });
});

describe('the window answers loopback peers only', () => {
  test.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['192.168.1.20', false],
    ['10.0.0.1', false],
    [undefined, false],
  ])('%s → %s', (remoteAddress, expected) => {
    const req = { socket: { remoteAddress } } as unknown as Parameters<typeof isLoopbackPeer>[0];
    expect(isLoopbackPeer(req)).toBe(expected);
  });
});
