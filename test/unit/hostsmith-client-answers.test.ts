// What the REST client makes of answers that are neither success nor an error body: a redirect
// (never followed with the bearer token, and said as a failure), and an empty 200 where a
// document was expected. A real loopback HTTP server; the Session is a fake.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/auth/types.js';
import { HostsmithClient, HostsmithError } from '../../src/hostsmith/client.js';

const TOKEN = 'fake-access-token-for-the-unit-test';
let answer: { status: number; headers?: Record<string, string>; body?: string } = { status: 200 };
const seen: Array<{ url: string; authorization?: string }> = [];
let server: Server;
let api: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const session: Session = {
  accessToken: async () => TOKEN,
  afterUnauthorized: async () => TOKEN,
  beginSignIn: async () => {
    throw new Error('no sign-in in this test');
  },
  account: async () => undefined,
};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function listSites(): Promise<unknown> {
  const client = new HostsmithClient({ apiUrl: api, session, log: quiet, userAgent: 'unit' });
  try {
    return await client.listSites({ partition: 'us' });
  } finally {
    await client.close();
  }
}

describe('answers that are not a success', () => {
  it.each([
    301, 302, 303, 307, 308,
  ])('a %i redirect is a failure that names it, and is not followed', async (status) => {
    seen.length = 0;
    // Back to this same server: a followed redirect would show as a second request.
    answer = { status, headers: { location: `${api}/elsewhere/v1/sites?x=1` } };
    const error = await listSites().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostsmithError);
    expect((error as HostsmithError).code).toBe('redirect');
    expect((error as HostsmithError).message).toContain(`HTTP ${status}`);
    expect((error as HostsmithError).message).toContain(api); // where it pointed: the origin only
    expect((error as HostsmithError).message).not.toContain('elsewhere');
    expect((error as HostsmithError).message).toContain('--api-url');
    expect(seen.map((r) => r.url)).toEqual(['/v1/sites?partition=us']);
  });

  it('an empty 200 where a document was expected is a malformed answer, not a crash later', async () => {
    answer = { status: 200, headers: { 'content-type': 'application/json' }, body: '' };
    const error = await listSites().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostsmithError);
    expect((error as HostsmithError).code).toBe('malformed_response');
  });
});
