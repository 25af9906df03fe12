// The liveness probe of a sign-in's owner: only the owner's own loopback server, with the key in
// its memory, gives the answer its marker expects; anything else — no listener, another program
// on the port, a listener that stalls — is a dead owner. Probing never spends the start link.
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderPage } from '../../src/auth/callback-page.js';
import { startCallbackServer } from '../../src/auth/callback-server.js';
import { createOwnerSecret, ownerAnswers, probeOwner } from '../../src/auth/owner-liveness.js';
import { createLogger } from '../../src/log.js';
import type { PendingSignIn } from '../../src/store/types.js';

const quiet = createLogger({ level: 'debug', write: () => {} });
/** Where an answer is expected: the product's 500 ms is for a dead owner's cost, and a loaded
 * machine (this process serves the probe it sends) may take longer to answer. */
const GENEROUS = 10_000;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** An owner's loopback server: the real callback server, answering probes with `secret`. */
async function ownerServer(secret = createOwnerSecret()) {
  const complete = vi.fn(async () => ({
    status: 200,
    page: renderPage('success'),
    outcome: { ok: true as const, value: 'done' },
  }));
  const server = await startCallbackServer<string>({
    state: 'state-0123456789abcdef',
    timeoutMs: 60_000,
    log: quiet,
    complete,
    alive: secret.answer,
  });
  cleanups.push(() => server.close());
  return { server, secret, probe: secret.probe(server.origin), complete };
}

/** Some other program on a loopback port. */
async function listener(
  handle: Parameters<typeof createServer>[1],
): Promise<{ origin: string; server: Server }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function get(url: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.location ? { location: res.headers.location } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('probeOwner', () => {
  it('is true for the owner that holds the key', async () => {
    const { probe } = await ownerServer();
    expect(probe.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/alive\/[\w-]{16,}$/);
    expect(probe.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await probeOwner(probe, GENEROUS)).toBe(true);
  });

  it('is false for a wrong answer: another owner, or another program on the port', async () => {
    const { probe } = await ownerServer();
    // An owner with another key on the same port and path: a digest it cannot match.
    expect(await probeOwner({ ...probe, digest: createOwnerSecret().probe('x').digest })).toBe(false);
    // A program that answers 200 to everything, even with a well-formed digest.
    const other = await listener((_req, res) => res.end('0'.repeat(64)));
    const path = new URL(probe.url).pathname;
    expect(await probeOwner({ url: `${other.origin}${path}`, digest: probe.digest })).toBe(false);
    // One that echoes what it is sent back cannot produce the HMAC either.
    const echo = await listener((req, res) => res.end(req.url));
    expect(await probeOwner({ url: `${echo.origin}${path}`, digest: probe.digest })).toBe(false);
  });

  it('is false when nothing listens on the port', async () => {
    const { origin, server } = await listener((_req, res) => res.end());
    await new Promise((resolve) => server.close(resolve));
    const { probe } = await ownerServer();
    expect(await probeOwner({ url: `${origin}${new URL(probe.url).pathname}`, digest: probe.digest })).toBe(
      false,
    );
  });

  it('is false for a listener that stalls, or answers right but later than the limit', async () => {
    const { secret, probe } = await ownerServer();
    const path = new URL(probe.url).pathname;
    const stalls = await listener(() => {}); // accepts, never answers
    expect(await probeOwner({ url: `${stalls.origin}${path}`, digest: probe.digest })).toBe(false);
    const slow = await listener((req, res) => {
      setTimeout(() => res.end(secret.answer(new URL(req.url ?? '/', 'http://x').pathname)), 800);
    });
    expect(await probeOwner({ url: `${slow.origin}${path}`, digest: probe.digest })).toBe(false);
    // The same listener with time enough: the answer itself was right.
    expect(await probeOwner({ url: `${slow.origin}${path}`, digest: probe.digest }, GENEROUS)).toBe(true);
  });

  it('requests nothing but a loopback /alive/ URL, whatever the marker says', async () => {
    const seen: string[] = [];
    const other = await listener((req, res) => {
      seen.push(req.url ?? '');
      res.end('0'.repeat(64));
    });
    const digest = '0'.repeat(64);
    expect(await probeOwner({ url: `${other.origin}/start/abc`, digest })).toBe(false);
    expect(await probeOwner({ url: `${other.origin.replace('http', 'https')}/alive/x`, digest })).toBe(false);
    expect(await probeOwner({ url: 'not a url', digest })).toBe(false);
    expect(seen).toEqual([]);
    // The same listener at the alive path is asked (and, answering what was expected, passes).
    expect(await probeOwner({ url: `${other.origin}/alive/x`, digest }, GENEROUS)).toBe(true);
    expect(seen).toEqual(['/alive/x']);
  });
});

describe('the alive route', () => {
  it('does not spend the start link or end the wait: after probes the link still works, once', async () => {
    const { server, probe, complete } = await ownerServer();
    const link = server.startLink('abc', 'https://auth.test/authorize?x=1');
    for (let i = 0; i < 3; i++) expect(await probeOwner(probe, GENEROUS)).toBe(true);
    expect((await get(`${server.origin}/alive/someone-elses-nonce`)).status).toBe(404);
    expect(await get(link)).toEqual({ status: 302, location: 'https://auth.test/authorize?x=1' });
    expect((await get(link)).status).toBe(410);
    // Still waiting, still answering.
    expect(await probeOwner(probe, GENEROUS)).toBe(true);
    expect(complete).not.toHaveBeenCalled();
  });

  it('stops answering once the server is closed', async () => {
    const { server, probe } = await ownerServer();
    server.close();
    await expect(server.result).rejects.toMatchObject({ code: 'SIGN_IN_CANCELLED' });
    expect(await probeOwner(probe)).toBe(false);
  });
});

describe('ownerAnswers', () => {
  const marker = (pid: number, owner?: PendingSignIn['owner']): PendingSignIn => ({
    url: 'http://127.0.0.1:1/start/x',
    pid,
    started_at: 1,
    expires_at: 2,
    ...(owner ? { owner } : {}),
  });

  it('needs both: a process with the PID, and the right answer', async () => {
    const { probe } = await ownerServer();
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.once('exit', resolve));
    const gone = child.pid as number;
    expect(await ownerAnswers(marker(process.ppid, probe), GENEROUS)).toBe(true);
    expect(await ownerAnswers(marker(gone, probe))).toBe(false); // PID gone: dead, whatever answers
    expect(await ownerAnswers(marker(process.ppid))).toBe(false); // nothing to check: not proof of life
  });
});
