// Blob uploads and the whole deploy flow against a local HTTP server (a fake API in this file;
// the real sandbox is in test/integration/deploy-*.test.ts): at most 16 uploads in flight,
// bytes streamed from disk, 5xx and dropped connections retried up to 3 tries, 4xx never,
// and a publish that answers missing_blobs gets those blobs once and is asked again.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type Session, SignInRequired } from '../../src/auth/types.js';
import { deployDirectory } from '../../src/deploy/deploy.js';
import { hashFiles } from '../../src/deploy/hash.js';
import { isTransient } from '../../src/deploy/retry.js';
import { DEFAULT_CONCURRENCY, uploadBlobs } from '../../src/deploy/upload.js';
import { walkDirectory } from '../../src/deploy/walk.js';
import { HostsmithClient } from '../../src/hostsmith/client.js';
import { createLogger } from '../../src/log.js';

const FAST = { attempts: 3, baseDelayMs: 5, maxRetryAfterMs: 50 };
const base = await fs.mkdtemp(join(tmpdir(), 'deploy-upload-'));

type Behaviour = (req: IncomingMessage, res: ServerResponse, body: Buffer) => unknown;
let behaviour: Behaviour = (_req, res) => res.writeHead(500).end();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => void behaviour(req, res, Buffer.concat(chunks)));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(base, { recursive: true, force: true });
});

// The real HostsmithClient; only its Session is faked (a fixed token).
const session: Session = {
  accessToken: async () => 'test-access-token',
  afterUnauthorized: async () => {
    throw new SignInRequired('revoked');
  },
  beginSignIn: async () => {
    throw new Error('no sign-in in unit tests');
  },
  account: async () => undefined,
};
const api = new HostsmithClient({
  apiUrl: `http://127.0.0.1:${port}`,
  session,
  log: createLogger({ write: () => {} }),
  userAgent: 'deploy-upload-test',
});
afterAll(() => api.close());

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function folder(count: number, size = 1000): Promise<string> {
  const root = await fs.mkdtemp(join(base, 'site-'));
  for (let i = 0; i < count; i++)
    await fs.writeFile(join(root, `f${i}.txt`), `${i}:`.padEnd(size, String(i % 10)));
  return root;
}
async function blobsOf(root: string) {
  return hashFiles((await walkDirectory(root)).files);
}
const site = { siteId: 'site_1' };

let attempts: Map<string, number>;
let received: Map<string, Buffer>;
beforeEach(() => {
  attempts = new Map();
  received = new Map();
});
const digestOf = (req: IncomingMessage) => (req.url ?? '').split('/blobs/')[1]?.split('?')[0] ?? '';
const count = (req: IncomingMessage) => {
  const d = digestOf(req);
  const n = (attempts.get(d) ?? 0) + 1;
  attempts.set(d, n);
  return n;
};

describe('uploadBlobs', () => {
  it('keeps at most DEFAULT_CONCURRENCY (16) uploads in flight and streams the exact bytes from disk', async () => {
    const blobs = await blobsOf(await folder(24, 64 * 1024));
    let active = 0;
    let max = 0;
    // No answer goes out until DEFAULT_CONCURRENCY bodies are in at once (and then 50 ms more, time
    // for a 17th to arrive if the client allowed one), or 30 s have passed: what is measured is the
    // client's limit, not how fast a loaded machine sends 16 bodies. The fallback only ends a wait
    // for bodies that never come (a limit below 16), which then fails on max.
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const fallback = setTimeout(() => open(), 30_000);
    behaviour = async (req, res, body) => {
      active += 1;
      max = Math.max(max, active);
      if (active >= DEFAULT_CONCURRENCY) setTimeout(() => open(), 50);
      await gate;
      active -= 1;
      received.set(digestOf(req), body);
      if (req.headers['content-type'] !== 'text/plain; charset=utf-8')
        return sendJson(res, 400, { error: { code: 'x', message: 'type' } });
      sendJson(res, 201, {});
    };
    const r = await uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST });
    clearTimeout(fallback);
    expect(r).toEqual({ blobs: 24, bytes: 24 * 64 * 1024, retries: 0 });
    expect(DEFAULT_CONCURRENCY).toBe(16);
    expect(max).toBe(DEFAULT_CONCURRENCY);
    expect(received.size).toBe(24);
    for (const [digest, bytes] of received) expect(sha(bytes)).toBe(digest);
  });

  it('retries a 502 and then succeeds (3 tries for that blob)', async () => {
    const blobs = await blobsOf(await folder(3));
    const victim = blobs[1]?.sha256 ?? '';
    behaviour = (req, res, body) => {
      const n = count(req);
      if (digestOf(req) === victim && n <= 2)
        return sendJson(res, 502, { error: { code: 'internal', message: 'x' } });
      received.set(digestOf(req), body);
      sendJson(res, 201, {});
    };
    const r = await uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST });
    expect(r.retries).toBe(2);
    expect(attempts.get(victim)).toBe(3);
    expect(sha(received.get(victim) ?? Buffer.alloc(0))).toBe(victim);
  });

  it('a 503 is waited out by the client (Retry-After), still 3 tries in all, never 9', async () => {
    const blobs = await blobsOf(await folder(2));
    const [ok, dead] = [blobs[0]?.sha256 ?? '', blobs[1]?.sha256 ?? ''];
    behaviour = (req, res) => {
      const n = count(req);
      if ((digestOf(req) === ok && n <= 2) || digestOf(req) === dead) {
        return sendJson(
          res,
          503,
          { error: { code: 'unavailable', message: 'busy' } },
          { 'retry-after': '0' },
        );
      }
      sendJson(res, 201, {});
    };
    await expect(
      uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST, concurrency: 1 }),
    ).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    expect(attempts.get(ok)).toBe(3);
    expect(attempts.get(dead)).toBe(3);
  });

  it('retries a dropped connection with a fresh stream of the whole file', async () => {
    const blobs = await blobsOf(await folder(2, 200_000));
    const victim = blobs[0]?.sha256 ?? '';
    behaviour = (req, res, body) => {
      if (count(req) === 1 && digestOf(req) === victim) return void req.socket.destroy();
      received.set(digestOf(req), body);
      sendJson(res, 201, {});
    };
    const r = await uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST });
    expect(r.retries).toBe(1);
    expect(attempts.get(victim)).toBe(2);
    expect(received.get(victim)?.length).toBe(200_000);
    expect(sha(received.get(victim) ?? Buffer.alloc(0))).toBe(victim);
  });

  it('gives up after 3 tries of 500', async () => {
    const blobs = await blobsOf(await folder(1));
    behaviour = (req, res) => {
      count(req);
      sendJson(res, 500, { error: { code: 'internal', message: 'still broken' } });
    };
    await expect(uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST })).rejects.toMatchObject({
      status: 500,
    });
    expect(attempts.get(blobs[0]?.sha256 ?? '')).toBe(3);
  });

  it.each([400, 403, 404, 413])('never retries a %i', async (status) => {
    const blobs = await blobsOf(await folder(1));
    behaviour = (req, res) => {
      count(req);
      sendJson(res, status, { error: { code: 'invalid_request', message: 'no' } });
    };
    await expect(uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST })).rejects.toMatchObject({
      status,
    });
    expect(attempts.get(blobs[0]?.sha256 ?? '')).toBe(1);
  });

  it('a 422 digest_mismatch says the file changed, without retrying', async () => {
    const blobs = await blobsOf(await folder(1));
    behaviour = (req, res) => {
      count(req);
      sendJson(res, 422, { error: { code: 'digest_mismatch', message: 'no' } });
    };
    await expect(uploadBlobs({ api, site, deployId: 'dep_1', blobs, retry: FAST })).rejects.toMatchObject({
      code: 'FILE_CHANGED',
      message: expect.stringContaining('f0.txt changed'),
    });
    expect(attempts.get(blobs[0]?.sha256 ?? '')).toBe(1);
  });
});

describe('isTransient', () => {
  it('classifies statuses and network errors, following causes', () => {
    expect(isTransient({ status: 500 })).toBe(true);
    expect(isTransient({ status: 502 })).toBe(true);
    // The client has already waited these out.
    expect(isTransient({ status: 503 })).toBe(false);
    expect(isTransient({ status: 429 })).toBe(false);
    expect(
      isTransient({ code: 'network', cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    ).toBe(true);
    expect(isTransient({ status: 409 })).toBe(false);
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(
      isTransient(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'UND_ERR_SOCKET' }) })),
    ).toBe(true);
    expect(isTransient(new Error('plain'))).toBe(false);
    expect(isTransient(Object.assign(new Error('a'), { name: 'AbortError' }))).toBe(false);
  });
});

describe('deployDirectory (fake API)', () => {
  it('uploads only what is required, re-sends what publish says is missing, and reports', async () => {
    const root = await folder(4, 500);
    await fs.writeFile(join(root, 'same.txt'), await fs.readFile(join(root, 'f0.txt'))); // duplicate content
    const held = new Set<string>();
    let manifest: Record<string, string> = {};
    let publishes = 0;
    const methods: string[] = [];
    behaviour = (req, res, body) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      methods.push(`${req.method} ${path.replace(/[0-9a-f]{64}/, '{sha}')}`);
      // The deploy reads the site (its name and URL) and its live files (to plan removals).
      if (req.method === 'GET' && path.endsWith('/files')) return sendJson(res, 200, { files: [] });
      if (req.method === 'GET')
        return sendJson(res, 200, { id: 'site_1', name: 'site', url: 'http://example.test/s/site/' });
      if (path.endsWith('/deploys')) {
        manifest = (JSON.parse(body.toString()) as { files: Record<string, string> }).files;
        return sendJson(res, 201, {
          id: 'dep_9',
          state: 'uploading',
          required: [...new Set(Object.values(manifest))].filter((d) => !held.has(d)),
        });
      }
      if (path.includes('/blobs/')) {
        count(req);
        held.add(digestOf(req));
        return sendJson(res, 201, {});
      }
      publishes += 1;
      // The first publish "loses" f1's blob.
      if (publishes === 1) {
        const lost = manifest['f1.txt'] ?? '';
        held.delete(lost);
        return sendJson(res, 409, { error: { code: 'missing_blobs', message: 'm', missing: [lost] } });
      }
      return sendJson(res, 200, {
        id: 'dep_9',
        state: 'live',
        fileCount: 5,
        sizeBytes: 2500,
        publishedAt: 'now',
      });
    };
    const progress: string[] = [];
    const report = await deployDirectory({
      api,
      siteId: 'site_1',
      directory: root,
      retry: FAST,
      progress: (m) => void progress.push(m),
    });
    expect(report).toMatchObject({
      deployId: 'dep_9',
      fileCount: 5,
      filesUploaded: 5, // 4 distinct blobs, then the lost one again
      bytesUploaded: 2500,
      bytesSkipped: 500, // same.txt travelled as f0.txt
      url: 'http://example.test/s/site/',
      directory: root,
    });
    expect(Object.keys(manifest).sort()).toEqual(['f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'same.txt']);
    expect(attempts.get(manifest['f1.txt'] ?? '')).toBe(2);
    expect(methods.filter((m) => m.includes('/publish'))).toHaveLength(2);
    expect(progress).toContain('hashed 5 files, 2.4 KiB');
    expect(progress).toContain('uploaded 4/4 files, 2.0 KiB of 2.0 KiB');
    expect(progress).toContain('uploaded 1/1 files, 500 B of 500 B');

    // Again, unchanged: nothing is uploaded and every byte is skipped.
    attempts.clear();
    publishes = 1;
    // A progress sink that fails (the client went away) does not fail the deploy.
    const again = await deployDirectory({
      api,
      siteId: 'site_1',
      directory: root,
      retry: FAST,
      progress: () => Promise.reject(new Error('client gone')),
    });
    expect(again).toMatchObject({ filesUploaded: 0, bytesUploaded: 0, bytesSkipped: 2500 });
    expect(attempts.size).toBe(0);
  });
});
