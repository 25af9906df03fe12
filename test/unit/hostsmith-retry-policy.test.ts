// The one table of which Hostsmith requests may be tried again (src/hostsmith/retry-policy.ts),
// and how a failure is read into an outcome.
import { describe, expect, it } from 'vitest';
import { isTransient } from '../../src/deploy/retry.js';
import { HostsmithError } from '../../src/hostsmith/errors.js';
import {
  backoffMs,
  type Method,
  mayRetry,
  methodOf,
  type Outcome,
  outcomeOf,
} from '../../src/hostsmith/retry-policy.js';

const METHODS: Method[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];
const row = (outcome: Outcome) => Object.fromEntries(METHODS.map((m) => [m, mayRetry(m, outcome)]));

describe('mayRetry', () => {
  it('reads and PUTs may be tried again once the request may have arrived; POST, PATCH, DELETE never', () => {
    const repeatable = { GET: true, PUT: true, POST: false, PATCH: false, DELETE: false };
    expect(row({ kind: 'dropped' })).toEqual(repeatable);
    for (const status of [500, 502, 503, 504]) expect(row({ kind: 'status', status })).toEqual(repeatable);
  });

  it('a request that never left may always be sent; a 429 was refused before it was carried out', () => {
    const all = { GET: true, PUT: true, POST: true, PATCH: true, DELETE: true };
    expect(row({ kind: 'not_sent' })).toEqual(all);
    expect(row({ kind: 'status', status: 429 })).toEqual(all);
  });

  it('never after a timeout or any other 4xx', () => {
    const none = { GET: false, PUT: false, POST: false, PATCH: false, DELETE: false };
    expect(row({ kind: 'timeout' })).toEqual(none);
    for (const status of [400, 401, 403, 404, 409, 413, 422])
      expect(row({ kind: 'status', status })).toEqual(none);
  });
});

describe('outcomeOf', () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  it('reads the status, or the connection failure through the cause chain', () => {
    expect(outcomeOf({ status: 502 })).toEqual({ kind: 'status', status: 502 });
    const wrapped = (cause: unknown) =>
      new HostsmithError({ code: 'network', message: 'm', operation: 'GET /v1/sites', cause });
    expect(outcomeOf(wrapped(coded('ECONNREFUSED')))).toEqual({ kind: 'not_sent' });
    expect(outcomeOf(wrapped(coded('UND_ERR_CONNECT_TIMEOUT')))).toEqual({ kind: 'not_sent' });
    expect(outcomeOf(wrapped(coded('ECONNRESET')))).toEqual({ kind: 'dropped' });
    expect(outcomeOf(wrapped(coded('UND_ERR_SOCKET')))).toEqual({ kind: 'dropped' });
    expect(outcomeOf(wrapped(new Error('other side closed')))).toEqual({ kind: 'dropped' });
    expect(outcomeOf(wrapped(coded('UND_ERR_HEADERS_TIMEOUT')))).toEqual({ kind: 'timeout' });
    expect(outcomeOf(Object.assign(new Error('a'), { name: 'AbortError' }))).toBeUndefined();
    expect(outcomeOf(new Error('plain'))).toBeUndefined();
  });

  it('methodOf reads the operation', () => {
    expect(methodOf('DELETE /v1/sites/site_a')).toBe('DELETE');
    expect(methodOf('FETCH /x')).toBeUndefined();
  });
});

describe('the deploy engine asks the same table', () => {
  it('a blob PUT is retried after a drop or a 5xx, not after a timeout; 503/429 are the client’s', () => {
    const dropped = Object.assign(new Error('x'), { code: 'ECONNRESET' });
    expect(isTransient(dropped)).toBe(true);
    expect(isTransient({ status: 502 })).toBe(true);
    expect(isTransient(Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(false);
    expect(isTransient({ status: 503 })).toBe(false);
    expect(isTransient({ status: 429 })).toBe(false);
    // The same failures of a POST are not.
    expect(isTransient(dropped, 'POST')).toBe(false);
    expect(isTransient({ status: 502 }, 'POST')).toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles from the base, with at most 50 % jitter', () => {
    expect(backoffMs(1, 250, () => 0)).toBe(250);
    expect(backoffMs(2, 250, () => 0)).toBe(500);
    expect(backoffMs(2, 250, () => 0.999)).toBe(749);
  });
});
