// The digest-based deploy: required digests, blob uploads with digest checks, publish with
// missing_blobs, the atomic swap, and the deploy resource.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox({ rateLimit: 100_000, uploadRateLimit: 100_000 });
let token: string;

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

interface Created {
  id: string;
  state: string;
  required: string[];
}
interface Published {
  id: string;
  state: string;
  fileCount: number;
  sizeBytes: number;
  publishedAt: string;
}

async function newSite(name: string, partition = 'us'): Promise<string> {
  const r = await call<{ id: string }>(sb.api, 'POST', `/v1/sites?partition=${partition}`, {
    token,
    body: { name },
  });
  expect(r.status).toBe(201);
  return r.json.id;
}

/** Creates a deploy of `files`, uploads what is required, publishes; answers the created body. */
async function deploy(siteId: string, files: Record<string, string>, partition = 'us') {
  const manifest = Object.fromEntries(Object.entries(files).map(([p, text]) => [p, sha(text)]));
  const created = await call<Created>(sb.api, 'POST', `/v1/sites/${siteId}/deploys?partition=${partition}`, {
    token,
    body: { files: manifest },
  });
  expect(created.status).toBe(201);
  const byDigest = new Map(Object.values(files).map((text) => [sha(text), text]));
  await Promise.all(
    created.json.required.map(async (digest) => {
      const r = await call(
        sb.api,
        'PUT',
        `/v1/sites/${siteId}/deploys/${created.json.id}/blobs/${digest}?partition=${partition}`,
        { token, raw: byDigest.get(digest)! },
      );
      expect(r.status).toBe(201);
    }),
  );
  const published = await call<Published>(
    sb.api,
    'POST',
    `/v1/sites/${siteId}/deploys/${created.json.id}/publish?partition=${partition}`,
    { token },
  );
  expect(published.status).toBe(200);
  return { created: created.json, published: published.json };
}

beforeAll(async () => {
  token = await sb.token();
});

describe('deploy', () => {
  test('first deploy: every digest is required; publish serves exactly the manifest', async () => {
    const id = await newSite('ada-deploy-1');
    await call(sb.api, 'PUT', `/v1/sites/${id}/files/old.txt`, { token, raw: 'left over' });
    const files = { 'index.html': '<h1>v1</h1>', 'a/b.css': 'b{}', 'copy.html': '<h1>v1</h1>' };
    const { created, published } = await deploy(id, files);
    expect(created.state).toBe('uploading');
    expect(created.id).toMatch(/^dep_/);
    // Two paths with the same bytes need one blob.
    expect(created.required.sort()).toEqual([sha('<h1>v1</h1>'), sha('b{}')].sort());
    expect(published).toMatchObject({ id: created.id, state: 'live', fileCount: 3, sizeBytes: 11 + 3 + 11 });
    expect(Number.isNaN(Date.parse(published.publishedAt))).toBe(false);

    const list = await call<{
      files: Array<{ path: string; sha256: string; size: number; contentType: string }>;
    }>(sb.api, 'GET', `/v1/sites/${id}/files`, { token });
    expect(list.json.files.map((f) => [f.path, f.sha256])).toEqual([
      ['a/b.css', sha('b{}')],
      ['copy.html', sha('<h1>v1</h1>')],
      ['index.html', sha('<h1>v1</h1>')],
    ]);
    expect(list.json.files.find((f) => f.path === 'a/b.css')?.contentType).toBe('text/css');
    const siteJson = await call<{ liveDeployId: string; fileCount: number }>(
      sb.api,
      'GET',
      `/v1/sites/${id}`,
      { token },
    );
    expect(siteJson.json).toMatchObject({ liveDeployId: created.id, fileCount: 3 });
    expect(await (await fetch(`${sb.api}/s/us/ada-deploy-1/`)).text()).toBe('<h1>v1</h1>');
    expect((await fetch(`${sb.api}/s/us/ada-deploy-1/old.txt`)).status).toBe(404);
  });

  test('a redeploy requires only the digests that are new', async () => {
    const id = await newSite('ada-deploy-2');
    await deploy(id, { 'index.html': 'one', 'keep.txt': 'same' });
    const { created } = await deploy(id, {
      'index.html': 'two',
      'keep.txt': 'same',
      'moved/keep.txt': 'same',
    });
    expect(created.required).toEqual([sha('two')]);
    // Digests the partition holds for this user from ANOTHER site count as held too.
    const other = await newSite('ada-deploy-2b');
    const { created: third } = await deploy(other, { 'x.txt': 'two', 'y.txt': 'brand new' });
    expect(third.required).toEqual([sha('brand new')]);
    // …but not in the other partition, nor for another user.
    const eu = await newSite('ada-deploy-2c', 'eu');
    const { created: inEu } = await deploy(eu, { 'x.txt': 'two' }, 'eu');
    expect(inEu.required).toEqual([sha('two')]);
    const lin = await sb.token({ email: 'lin@example.com' });
    const linSite = await call<{ id: string }>(sb.api, 'POST', '/v1/sites?partition=us', {
      token: lin,
      body: { name: 'lin-deploy-2d' },
    });
    const linDeploy = await call<Created>(
      sb.api,
      'POST',
      `/v1/sites/${linSite.json.id}/deploys?partition=us`,
      {
        token: lin,
        body: { files: { 'x.txt': sha('two') } },
      },
    );
    expect(linDeploy.json.required).toEqual([sha('two')]);
  });

  test('a blob whose bytes hash otherwise is 422 digest_mismatch, and stays missing', async () => {
    const id = await newSite('ada-deploy-3');
    const digest = sha('right bytes');
    const created = await call<Created>(sb.api, 'POST', `/v1/sites/${id}/deploys`, {
      token,
      body: { files: { 'index.html': digest } },
    });
    const blob = `/v1/sites/${id}/deploys/${created.json.id}/blobs/${digest}`;
    const wrong = await call(sb.api, 'PUT', blob, { token, raw: 'wrong bytes' });
    expect(wrong.status).toBe(422);
    expect(wrong.json.error?.code).toBe('digest_mismatch');
    const publish = await call(sb.api, 'POST', `/v1/sites/${id}/deploys/${created.json.id}/publish`, {
      token,
    });
    expect(publish.status).toBe(409);
    expect(publish.json.error?.code).toBe('missing_blobs');
    expect(publish.json.error?.missing).toEqual([digest]);
  });

  test('publish before every blob arrived is 409 missing_blobs listing the missing ones', async () => {
    const id = await newSite('ada-deploy-4');
    const files = { 'a.txt': 'alpha-4', 'b.txt': 'beta-4', 'c.txt': 'gamma-4' };
    const manifest = Object.fromEntries(Object.entries(files).map(([p, t]) => [p, sha(t)]));
    const created = await call<Created>(sb.api, 'POST', `/v1/sites/${id}/deploys`, {
      token,
      body: { files: manifest },
    });
    const dep = `/v1/sites/${id}/deploys/${created.json.id}`;
    await call(sb.api, 'PUT', `${dep}/blobs/${sha('alpha-4')}`, { token, raw: 'alpha-4' });
    const early = await call(sb.api, 'POST', `${dep}/publish`, { token });
    expect(early.status).toBe(409);
    expect(early.json.error?.missing?.sort()).toEqual([sha('beta-4'), sha('gamma-4')].sort());
    const state = await call<{ state: string; required: string[]; missing: string[] }>(sb.api, 'GET', dep, {
      token,
    });
    expect(state.json.state).toBe('uploading');
    expect(state.json.missing.sort()).toEqual([sha('beta-4'), sha('gamma-4')].sort());
    // The live site did not change.
    expect(
      (await call<{ files: unknown[] }>(sb.api, 'GET', `/v1/sites/${id}/files`, { token })).json.files,
    ).toEqual([]);

    await call(sb.api, 'PUT', `${dep}/blobs/${sha('beta-4')}`, { token, raw: 'beta-4' });
    await call(sb.api, 'PUT', `${dep}/blobs/${sha('gamma-4')}`, { token, raw: 'gamma-4' });
    const ok = await call<Published>(sb.api, 'POST', `${dep}/publish`, { token });
    expect(ok.status).toBe(200);
    expect(ok.json.state).toBe('live');
    // Publishing again answers the same and changes nothing; uploading to it is a conflict.
    const again = await call<Published>(sb.api, 'POST', `${dep}/publish`, { token });
    expect(again.json).toEqual(ok.json);
    const late = await call(sb.api, 'PUT', `${dep}/blobs/${sha('beta-4')}`, { token, raw: 'beta-4' });
    expect(late.status).toBe(409);
    const got = await call<{ state: string; publishedAt: string; fileCount: number }>(sb.api, 'GET', dep, {
      token,
    });
    expect(got.json).toMatchObject({ state: 'live', fileCount: 3, publishedAt: ok.json.publishedAt });
  });

  test('bad manifests and blobs', async () => {
    const id = await newSite('ada-deploy-5');
    const post = (files: unknown) =>
      call(sb.api, 'POST', `/v1/sites/${id}/deploys`, { token, body: { files } });
    const d = sha('x');
    expect((await post({ '../x': d })).json.error?.code).toBe('invalid_path');
    expect((await post({ 'a//b': d })).json.error?.code).toBe('invalid_path');
    expect((await post({ 'a.txt': 'not-a-digest' })).json.error?.code).toBe('invalid_request');
    expect((await post({ 'a.txt': d.toUpperCase() })).json.error?.code).toBe('invalid_request');
    expect((await post({})).status).toBe(400);
    const created = await call<Created>(sb.api, 'POST', `/v1/sites/${id}/deploys`, {
      token,
      body: { files: { 'a.txt': d } },
    });
    const dep = `/v1/sites/${id}/deploys/${created.json.id}`;
    // A digest outside the manifest, or not a digest at all.
    expect((await call(sb.api, 'PUT', `${dep}/blobs/${sha('y')}`, { token, raw: 'y' })).status).toBe(400);
    expect((await call(sb.api, 'PUT', `${dep}/blobs/zz`, { token, raw: 'y' })).status).toBe(400);
    expect((await call(sb.api, 'GET', `/v1/sites/${id}/deploys/dep_nope`, { token })).status).toBe(404);
    // Another site's deploy id is not found under this site.
    const other = await newSite('ada-deploy-5b');
    expect(
      (await call(sb.api, 'GET', `/v1/sites/${other}/deploys/${created.json.id}`, { token })).status,
    ).toBe(404);
  });

  test('a reader never sees half a deploy', async () => {
    const id = await newSite('ada-deploy-6');
    const v1 = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, `v1-${i}`]));
    const v2 = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, `v2-${i}`]));
    await deploy(id, v1);
    const digests = (files: Record<string, string>) =>
      JSON.stringify(
        Object.entries(files)
          .map(([p, t]) => [p, sha(t)])
          .sort(),
      );
    const allowed = new Set([digests(v1), digests(v2)]);
    // Prepare v2 fully, then publish while readers list the files as fast as they can.
    const manifest = Object.fromEntries(Object.entries(v2).map(([p, t]) => [p, sha(t)]));
    const created = await call<Created>(sb.api, 'POST', `/v1/sites/${id}/deploys`, {
      token,
      body: { files: manifest },
    });
    for (const text of Object.values(v2)) {
      await call(sb.api, 'PUT', `/v1/sites/${id}/deploys/${created.json.id}/blobs/${sha(text)}`, {
        token,
        raw: text,
      });
    }
    let publishing = true;
    const seen: string[] = [];
    // What each reader saw, in order: gates on events, not on sleeps a loaded machine outlasts.
    const byReader: string[][] = [[], [], []];
    const reader = async (mine: string[]) => {
      while (publishing) {
        const r = await call<{ files: Array<{ path: string; sha256: string }> }>(
          sb.api,
          'GET',
          `/v1/sites/${id}/files`,
          { token },
        );
        const files = JSON.stringify(r.json.files.map((f) => [f.path, f.sha256]).sort());
        seen.push(files);
        mine.push(files);
      }
    };
    const readers = Promise.all(byReader.map(reader));
    const wait = { timeout: 30_000, interval: 5 };
    // Every reader has seen v1 before the publish, and v2 after it, before they stop.
    await vi.waitFor(() => expect(byReader.every((r) => r.length > 0)).toBe(true), wait);
    const published = await call(sb.api, 'POST', `/v1/sites/${id}/deploys/${created.json.id}/publish`, {
      token,
    });
    expect(published.status).toBe(200);
    await vi.waitFor(() => expect(byReader.every((r) => r.at(-1) === digests(v2))).toBe(true), wait);
    publishing = false;
    await readers;
    expect(seen.filter((s) => !allowed.has(s))).toEqual([]);
    for (const mine of byReader) {
      expect(mine[0]).toBe(digests(v1));
      expect(mine.at(-1)).toBe(digests(v2));
    }
  });
});
