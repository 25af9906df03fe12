// deploy_directory's engine against the real sandbox over real HTTP, with a real access token:
// examples/site goes live byte for byte, a redeploy sends nothing, an injected 503 and a dropped
// connection on blob uploads are retried, and a 4xx (the file changed under us) is not. A
// decomposed (NFD, as macOS writes) file name goes live at its NFC URL with the bytes read under
// its name on disk; two names that collide under NFC are refused before anything is sent.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployDirectory } from '../../src/deploy/deploy.js';
import { formatBytes } from '../../src/deploy/progress.js';
import { UPLOAD_BUFFER_BYTES } from '../../src/deploy/upload.js';
import { walkDirectory } from '../../src/deploy/walk.js';
import { call, startTestSandbox } from '../helpers/sandbox.js';
import { tokenClient } from '../helpers/token-client.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/site');
const FAST = { attempts: 3, baseDelayMs: 20, maxRetryAfterMs: 200 };

const sandbox = await startTestSandbox({ rateLimit: 10_000, uploadRateLimit: 10_000 });
const token = await sandbox.token({ email: 'sam@example.com' });
// The real client on a real token; the Session is the only stand-in (no refresh here).
const api = await tokenClient(sandbox, { email: 'sam@example.com' });
const tmp = await fs.mkdtemp(join(tmpdir(), 'deploy-int-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

let siteN = 0;
async function newSite(): Promise<{ id: string; url: string }> {
  const r = await call<{ id: string; url: string }>(sandbox.api, 'POST', '/v1/sites', {
    token,
    body: { name: `deploy-${process.pid}-${siteN++}` },
  });
  expect(r.status).toBe(201);
  return r.json;
}

/** A folder of `count` files of fresh random bytes, so the partition holds none of them yet. */
async function freshFolder(count: number, size = 40_000): Promise<string> {
  const root = await fs.mkdtemp(join(tmp, 'site-'));
  for (let i = 0; i < count; i++) await fs.writeFile(join(root, `f${i}.bin`), randomBytes(size));
  return root;
}

const blobPuts = () =>
  sandbox.window.requestLog().filter((e) => e.method === 'PUT' && e.path.includes('/blobs/'));

describe('deploy against the sandbox', () => {
  it('publishes examples/site byte for byte, then a redeploy uploads nothing', async () => {
    const site = await newSite();
    const walked = await walkDirectory(EXAMPLE);
    const total = walked.files.reduce((s, f) => s + f.size, 0);
    const progress: string[] = [];
    const started = performance.now();
    const report = await deployDirectory({
      api,
      siteId: site.id,
      directory: EXAMPLE,
      progress: (m) => void progress.push(m),
    });
    const ms = performance.now() - started;
    process.stderr.write(
      `deploy-sandbox: examples/site (${walked.files.length} files, ${total} bytes) in ${ms.toFixed(0)} ms\n`,
    );
    expect(report).toMatchObject({
      fileCount: walked.files.length,
      filesUploaded: walked.files.length,
      bytesUploaded: total,
      bytesSkipped: 0,
      url: site.url,
      directory: EXAMPLE,
    });
    expect(report.deployId).toMatch(/^dep_/);
    const n = walked.files.length;
    expect(progress).toContain(`hashed ${n} files, ${formatBytes(total)}`);
    expect(progress).toContain(`uploaded ${n}/${n} files, ${formatBytes(total)} of ${formatBytes(total)}`);

    for (const file of walked.files) {
      const res = await fetch(new URL(file.path, site.url));
      expect(res.status, file.path).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(await fs.readFile(file.source)), file.path).toBe(
        true,
      );
    }
    const about = await fetch(new URL('about/', site.url));
    expect(await about.text()).toBe(await fs.readFile(join(EXAMPLE, 'about/index.html'), 'utf8'));
    expect((await fetch(new URL('css/style.css', site.url))).headers.get('content-type')).toMatch(
      /^text\/css/,
    );
    expect((await fetch(new URL('img/favicon.png', site.url))).headers.get('content-type')).toBe('image/png');

    sandbox.window.clearRequestLog();
    const again = await deployDirectory({ api, siteId: site.id, directory: EXAMPLE });
    expect(again).toMatchObject({
      fileCount: walked.files.length,
      filesUploaded: 0,
      bytesUploaded: 0,
      bytesSkipped: total,
    });
    expect(again.deployId).not.toBe(report.deployId);
    expect(blobPuts()).toEqual([]);
  });

  it('blobs sent from reused buffers and streamed ones all go live byte for byte', async () => {
    const site = await newSite();
    const dir = await fs.mkdtemp(join(tmp, 'buffers-'));
    // Two workers share their buffers across eight blobs of other sizes: any bytes left over from
    // the blob before, or a buffer reused while still being sent, would show here (or as a 422).
    const sizes = [
      UPLOAD_BUFFER_BYTES + 1,
      17,
      UPLOAD_BUFFER_BYTES,
      300_000,
      5,
      2 * UPLOAD_BUFFER_BYTES,
      64_000,
      1,
    ];
    const contents = sizes.map((size) => randomBytes(size));
    for (const [i, bytes] of contents.entries()) await fs.writeFile(join(dir, `b${i}.bin`), bytes);
    const report = await deployDirectory({ api, siteId: site.id, directory: dir, concurrency: 2 });
    expect(report).toMatchObject({
      filesUploaded: sizes.length,
      bytesUploaded: sizes.reduce((a, b) => a + b, 0),
    });
    for (const [i, bytes] of contents.entries()) {
      const served = Buffer.from(await (await fetch(new URL(`b${i}.bin`, site.url))).arrayBuffer());
      expect(served.equals(bytes), `b${i}.bin`).toBe(true);
    }
  });

  it('a 503 on blob uploads is retried (the client waits it out)', async () => {
    const site = await newSite();
    const dir = await freshFolder(3);
    sandbox.window.clearRequestLog();
    sandbox.window.injectFault({
      kind: 'status',
      status: 503,
      method: 'PUT',
      pathPrefix: '/v1/sites',
      count: 2,
    });
    const report = await deployDirectory({
      api,
      siteId: site.id,
      directory: dir,
      retry: FAST,
      concurrency: 1,
    });
    expect(report).toMatchObject({ fileCount: 3, filesUploaded: 3, bytesUploaded: 120_000 });
    expect(blobPuts().map((e) => e.status)).toEqual([503, 503, 201, 201, 201]);
    expect(sandbox.window.faults()).toEqual([]);
    const f1 = await fetch(new URL('f1.bin', site.url));
    expect(Buffer.from(await f1.arrayBuffer()).equals(await fs.readFile(join(dir, 'f1.bin')))).toBe(true);
  });

  it('a 500 on blob uploads is retried (by the deploy engine)', async () => {
    const site = await newSite();
    const dir = await freshFolder(2);
    sandbox.window.clearRequestLog();
    sandbox.window.injectFault({
      kind: 'status',
      status: 500,
      method: 'PUT',
      pathPrefix: '/v1/sites',
      count: 2,
    });
    const report = await deployDirectory({
      api,
      siteId: site.id,
      directory: dir,
      retry: FAST,
      concurrency: 1,
    });
    expect(report).toMatchObject({ fileCount: 2, filesUploaded: 2, bytesUploaded: 80_000 });
    expect(blobPuts().map((e) => e.status)).toEqual([500, 500, 201, 201]);
  });

  it('a dropped connection on a blob upload is retried', async () => {
    const site = await newSite();
    const dir = await freshFolder(2);
    sandbox.window.clearRequestLog();
    sandbox.window.injectFault({ kind: 'drop', method: 'PUT', pathPrefix: '/v1/sites', count: 1 });
    const report = await deployDirectory({
      api,
      siteId: site.id,
      directory: dir,
      retry: FAST,
      concurrency: 1,
    });
    expect(report).toMatchObject({ fileCount: 2, filesUploaded: 2, bytesUploaded: 80_000 });
    expect(blobPuts().map((e) => e.status)).toEqual([null, 201, 201]);
  });

  it('three 503s in a row fail the deploy after 3 tries, not more', async () => {
    const site = await newSite();
    const dir = await freshFolder(1);
    sandbox.window.clearRequestLog();
    sandbox.window.injectFault({
      kind: 'status',
      status: 503,
      method: 'PUT',
      pathPrefix: '/v1/sites',
      count: 3,
    });
    await expect(
      deployDirectory({ api, siteId: site.id, directory: dir, retry: FAST }),
    ).rejects.toMatchObject({
      status: 503,
    });
    expect(blobPuts().map((e) => e.status)).toEqual([503, 503, 503]);
  });

  it('a 4xx on a blob upload is not retried: a file changed after hashing gets 422 once', async () => {
    const site = await newSite();
    const dir = await freshFolder(1);
    sandbox.window.clearRequestLog();
    const attempt = deployDirectory({
      api,
      siteId: site.id,
      directory: dir,
      retry: FAST,
      // Between hashing and uploading, the file's bytes change (same size).
      progress: async (m) => {
        if (m.startsWith('hashed ') && !m.includes('/'))
          await fs.writeFile(join(dir, 'f0.bin'), randomBytes(40_000));
      },
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'FILE_CHANGED',
      message: expect.stringContaining('f0.bin'),
    });
    expect(blobPuts().map((e) => e.status)).toEqual([422]);
  });

  it('an NFD file name goes live at its NFC URL, byte for byte; desktop clutter stays home', async () => {
    const site = await newSite();
    const dir = await fs.mkdtemp(join(tmp, 'names-'));
    const nfdFile = 'cafe\u0301.html';
    const nfdFolder = 'me\u0301nu';
    const page = randomBytes(5_000);
    const nested = randomBytes(3_000);
    await fs.writeFile(join(dir, nfdFile), page);
    await fs.mkdir(join(dir, nfdFolder));
    await fs.writeFile(join(dir, nfdFolder, 'cre\u0300me-bru\u0302le\u0301e.txt'), nested);
    for (const junk of ['THUMBS.DB', 'Desktop.INI', 'Icon\r', `${nfdFolder}/ehthumbs.db`]) {
      await fs.writeFile(join(dir, junk), 'junk');
    }
    await fs.mkdir(join(dir, '$Recycle.Bin'));
    await fs.writeFile(join(dir, '$Recycle.Bin', 'x.html'), 'deleted');
    // The disk really holds the decomposed names (Linux file systems keep a name's bytes).
    expect(await fs.readdir(dir)).toContain(nfdFile);

    sandbox.window.clearRequestLog();
    const report = await deployDirectory({ api, siteId: site.id, directory: dir });
    expect(report).toMatchObject({ fileCount: 2, filesUploaded: 2, bytesUploaded: 8_000 });
    expect(report.skipped).toEqual([
      '$Recycle.Bin',
      'Desktop.INI',
      'Icon\r',
      'THUMBS.DB',
      'm\u00e9nu/ehthumbs.db',
    ]);

    const at = (path: string) => fetch(new URL(path.split('/').map(encodeURIComponent).join('/'), site.url));
    const live = await at('caf\u00e9.html');
    expect(live.status).toBe(200);
    expect(Buffer.from(await live.arrayBuffer()).equals(page)).toBe(true);
    const deep = await at('m\u00e9nu/cr\u00e8me-br\u00fbl\u00e9e.txt');
    expect(deep.status).toBe(200);
    expect(Buffer.from(await deep.arrayBuffer()).equals(nested)).toBe(true);
    // Nothing is served under the decomposed spelling, nor any of the clutter.
    expect((await at(nfdFile)).status).toBe(404);
    expect((await at('THUMBS.DB')).status).toBe(404);
    expect((await at('$Recycle.Bin/x.html')).status).toBe(404);
  });

  it('two names for the same NFC path are refused with both names, before any upload', async () => {
    const site = await newSite();
    const dir = await fs.mkdtemp(join(tmp, 'collide-'));
    await fs.writeFile(join(dir, 'cafe\u0301.html'), 'decomposed');
    await fs.writeFile(join(dir, 'caf\u00e9.html'), 'composed');
    sandbox.window.clearRequestLog();
    const failed = await deployDirectory({ api, siteId: site.id, directory: dir }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toMatchObject({ code: 'PATH_COLLISION' });
    const { message } = failed as Error;
    expect(message).toContain('"cafe\u0301.html"');
    expect(message).toContain('"caf\u00e9.html"');
    expect(sandbox.window.requestLog().filter((e) => e.path.includes('/deploys'))).toEqual([]);
    expect(
      (await call<{ liveDeployId: string | null }>(sandbox.api, 'GET', `/v1/sites/${site.id}`, { token }))
        .json.liveDeployId,
    ).toBeNull();
  });

  it('an unknown site is a 404 before any file is read', async () => {
    sandbox.window.clearRequestLog();
    await expect(
      deployDirectory({ api, siteId: 'site_doesnotexist', directory: join(tmp, 'no-such-folder') }),
    ).rejects.toMatchObject({ status: 404 });
    expect(sandbox.window.requestLog().filter((e) => e.path.includes('/deploys'))).toEqual([]);
  });
});
