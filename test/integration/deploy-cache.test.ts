// The digest cache on real files, deployed to the real sandbox over HTTP: a second deploy of an
// unchanged tree reads no file and sends no blob; a file rewritten at the same size within one
// second — even with its mtime put back — is read again and its new bytes go live; after 20
// files change, exactly those 20 are read and exactly their bytes are uploaded. Reads are
// counted by the engine and, independently, by the files' access times (a read moves an atime
// that lies before the mtime, under the usual relatime mount).
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployDirectory } from '../../src/deploy/deploy.js';
import { call, startTestSandbox } from '../helpers/sandbox.js';
import { tokenClient } from '../helpers/token-client.js';

const sandbox = await startTestSandbox({ rateLimit: 10_000, uploadRateLimit: 10_000 });
const token = await sandbox.token({ email: 'sam@example.com' });
const api = await tokenClient(sandbox, { email: 'sam@example.com' });
const tmp = await fs.mkdtemp(join(tmpdir(), 'deploy-cache-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));
const digestCache = join(tmp, 'config', 'deploy-digests.json');

let siteN = 0;
async function newSite(): Promise<{ id: string; url: string }> {
  const r = await call<{ id: string; url: string }>(sandbox.api, 'POST', '/v1/sites', {
    token,
    body: { name: `cache-${process.pid}-${siteN++}` },
  });
  expect(r.status).toBe(201);
  return r.json;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Digests of the blobs PUT since the log was cleared (the sandbox's own record). */
const blobsPut = () =>
  sandbox.window
    .requestLog()
    .filter((e) => e.method === 'PUT' && e.path.includes('/blobs/') && e.status === 201)
    .map((e) => e.path.split('/').pop() ?? '');

/** Whole seconds: utimes sets those exactly (a ms fraction comes back off by float rounding). */
const wholeSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
const MINUTE_AGO = () => wholeSecond(Date.now() - 60_000);
/** Last written a minute ago, last read before that: a read moves the atime (relatime). */
async function age(path: string): Promise<void> {
  const mtime = MINUTE_AGO();
  await fs.utimes(path, new Date(mtime.getTime() - 60_000), mtime);
}
const atime = async (path: string) => (await fs.stat(path, { bigint: true })).atimeNs;
/** After a read: the atime back before the mtime (kept to the ns), so the next read shows. */
async function rewindAtimes(paths: string[]): Promise<bigint[]> {
  return Promise.all(
    paths.map(async (path) => {
      const { mtimeNs } = await fs.stat(path, { bigint: true });
      const mtime = new Date(Number(mtimeNs / 1_000_000n));
      await fs.utimes(path, new Date(mtime.getTime() - 60_000), mtime);
      const after = await fs.stat(path, { bigint: true });
      expect(after.mtimeNs).toBe(mtimeNs); // the stamp the cache knows is untouched
      return after.atimeNs;
    }),
  );
}

/** `count` files of fresh random bytes (200 B to 40 KiB), aged. */
async function tree(count: number): Promise<{ root: string; names: string[] }> {
  const root = await fs.mkdtemp(join(tmp, 'site-'));
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `page-${i}.html`;
    await fs.writeFile(join(root, name), randomBytes(200 + ((i * 7919) % 40_000)));
    await age(join(root, name));
    names.push(name);
  }
  return { root, names };
}

describe('deploy with the digest cache', () => {
  it('an unchanged tree: the second deploy reads no file and uploads nothing', async () => {
    const site = await newSite();
    const { root, names } = await tree(30);
    const before = await Promise.all(names.map((n) => atime(join(root, n))));
    const first = await deployDirectory({ api, siteId: site.id, directory: root, digestCache });
    expect(first).toMatchObject({ fileCount: 30, filesRead: 30, filesUploaded: 30 });
    const afterFirst = await Promise.all(names.map((n) => atime(join(root, n))));
    // The probe works here: the first deploy's reads moved every atime.
    expect(afterFirst.every((t, i) => t !== before[i])).toBe(true);
    const rewound = await rewindAtimes(names.map((n) => join(root, n)));

    sandbox.window.clearRequestLog();
    const progress: string[] = [];
    const second = await deployDirectory({
      api,
      siteId: site.id,
      directory: root,
      digestCache,
      progress: (m) => void progress.push(m),
    });
    expect(second).toMatchObject({
      fileCount: 30,
      filesRead: 0,
      bytesRead: 0,
      filesUploaded: 0,
      bytesUploaded: 0,
    });
    expect(await Promise.all(names.map((n) => atime(join(root, n))))).toEqual(rewound);
    expect(blobsPut()).toEqual([]);
    expect(progress).toContainEqual(
      expect.stringMatching(/^hashed 30 files, .* \(30 unchanged since the last deploy, not read\)$/),
    );
  });

  it('a file rewritten at the same size within one second is read again and its new bytes go live', async () => {
    const site = await newSite();
    const root = await fs.mkdtemp(join(tmp, 'racy-'));
    const page = join(root, 'index.html');
    // A whole second, so utimes can put the mtime back exactly (as a 1 s-granular disk would keep it),
    // and a minute ahead, so the deploy (HTTP calls first) hashes it less than 2 s after its mtime
    // however loaded the machine: recorded racily, like a file written in the second it was hashed.
    const mtime = wholeSecond(Date.now() + 60_000);
    const v1 = Buffer.from('<p>version 1</p>');
    await fs.writeFile(page, v1);
    await fs.utimes(page, mtime, mtime);
    const first = await deployDirectory({ api, siteId: site.id, directory: root, digestCache });
    expect(first).toMatchObject({ filesRead: 1, filesUploaded: 1 });

    // Same size, same inode, same mtime: the stamp cannot tell; the 2 s rule must.
    const v2 = Buffer.from('<p>version 2</p>');
    const stamp = async () => {
      const { size, mtimeNs, ino, dev } = await fs.stat(page, { bigint: true });
      return { size, mtimeNs, ino, dev };
    };
    const seen = await stamp();
    await fs.writeFile(page, v2);
    await fs.utimes(page, mtime, mtime);
    expect(await stamp()).toEqual(seen);
    sandbox.window.clearRequestLog();
    const second = await deployDirectory({ api, siteId: site.id, directory: root, digestCache });
    expect(second).toMatchObject({ filesRead: 1, filesUploaded: 1, bytesUploaded: v2.length });
    expect(blobsPut()).toEqual([sha256(v2)]);
    expect(await (await fetch(site.url)).text()).toBe(v2.toString());

    // And plainly rewritten again within the second, mtime left as the disk set it.
    const v3 = Buffer.from('<p>version 3</p>');
    await fs.writeFile(page, v3);
    sandbox.window.clearRequestLog();
    const third = await deployDirectory({ api, siteId: site.id, directory: root, digestCache });
    expect(third).toMatchObject({ filesRead: 1, filesUploaded: 1 });
    expect(blobsPut()).toEqual([sha256(v3)]);
    expect(await (await fetch(site.url)).text()).toBe(v3.toString());
  });

  it('after 20 of 120 files change, exactly those 20 are read and exactly their bytes uploaded', async () => {
    const site = await newSite();
    const { root, names } = await tree(120);
    await deployDirectory({ api, siteId: site.id, directory: root, digestCache });

    const changed = names.filter((_, i) => i % 6 === 1); // 20 of them
    expect(changed).toHaveLength(20);
    const fresh = new Map<string, Buffer>();
    for (const [i, name] of changed.entries()) {
      const bytes = randomBytes(300 + i * 1_000);
      await fs.writeFile(join(root, name), bytes);
      fresh.set(name, bytes);
    }
    const untouched = names.filter((n) => !fresh.has(n));
    const before = await rewindAtimes(untouched.map((n) => join(root, n)));
    const bytes = [...fresh.values()].reduce((sum, b) => sum + b.length, 0);

    sandbox.window.clearRequestLog();
    const report = await deployDirectory({ api, siteId: site.id, directory: root, digestCache });
    expect(report).toMatchObject({
      fileCount: 120,
      filesRead: 20,
      bytesRead: bytes,
      filesUploaded: 20,
      bytesUploaded: bytes,
    });
    expect(report.plan.changed).toEqual([...changed].sort());
    expect(blobsPut().sort()).toEqual([...fresh.values()].map(sha256).sort());
    expect(await Promise.all(untouched.map((n) => atime(join(root, n))))).toEqual(before);
    for (const [name, content] of fresh) {
      const served = Buffer.from(await (await fetch(new URL(name, site.url))).arrayBuffer());
      expect(served.equals(content), name).toBe(true);
    }
  });
});
