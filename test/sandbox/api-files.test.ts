// Files: put (201 new, 200 replaced), list, delete; the path rules with every way to smuggle a
// bad path in; the 25 MiB cap; and the sites serving what was put.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { beforeAll, describe, expect, test } from 'vitest';
import { call, startTestSandbox } from '../helpers/sandbox.js';

const sb = await startTestSandbox({ rateLimit: 10_000 });
let token: string;
let siteId: string;
const site = (path: string) => `/v1/sites/${siteId}${path}`;

beforeAll(async () => {
  token = await sb.token();
  const r = await call<{ id: string }>(sb.api, 'POST', '/v1/sites', { token, body: { name: 'ada-files' } });
  siteId = r.json.id;
});

interface FileJson {
  path: string;
  size: number;
  sha256: string;
  contentType: string;
}

describe('files', () => {
  test('put, replace, list, delete', async () => {
    const put = await call<FileJson>(sb.api, 'PUT', site('/files/docs/a.txt'), {
      token,
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBe(201);
    expect(put.json).toEqual({
      path: 'docs/a.txt',
      size: 5,
      sha256: createHash('sha256').update('hello').digest('hex'),
      contentType: 'text/plain',
    });
    const replaced = await call<FileJson>(sb.api, 'PUT', site('/files/docs/a.txt'), {
      token,
      raw: 'hello, world',
      headers: { 'content-type': 'text/plain' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.size).toBe(12);

    const list = await call<{ files: FileJson[] }>(sb.api, 'GET', site('/files'), { token });
    expect(list.json.files).toEqual([replaced.json]);
    const siteJson = await call<{ fileCount: number; sizeBytes: number }>(sb.api, 'GET', site(''), { token });
    expect(siteJson.json).toMatchObject({ fileCount: 1, sizeBytes: 12 });

    expect((await call(sb.api, 'DELETE', site('/files/docs/a.txt'), { token })).status).toBe(204);
    expect((await call(sb.api, 'DELETE', site('/files/docs/a.txt'), { token })).status).toBe(404);
    expect((await call<{ files: FileJson[] }>(sb.api, 'GET', site('/files'), { token })).json.files).toEqual(
      [],
    );
  });

  test('without a Content-Type the extension decides', async () => {
    const cases: Record<string, string> = {
      'x/page.html': 'text/html',
      'x/style.css': 'text/css',
      'x/app.js': 'text/javascript',
      'x/logo.svg': 'image/svg+xml',
      'x/blob.bin': 'application/octet-stream',
    };
    for (const [path, type] of Object.entries(cases)) {
      const r = await call<FileJson>(sb.api, 'PUT', site(`/files/${path}`), { token, raw: 'x' });
      expect(r.json.contentType).toBe(type);
    }
  });

  test('a percent-encoded path is decoded once', async () => {
    const r = await call<FileJson>(sb.api, 'PUT', site('/files/with%20space/caf%C3%A9.txt'), {
      token,
      raw: 'x',
    });
    expect(r.status).toBe(201);
    expect(r.json.path).toBe('with space/café.txt');
  });

  test.each([
    ['..', '/files/../escape.txt'],
    ['.. deeper', '/files/a/../../b.txt'],
    ['.', '/files/./a.txt'],
    ['encoded ..', '/files/%2e%2e/escape.txt'],
    ['encoded .. uppercase', '/files/%2E%2E/escape.txt'],
    ['encoded slash and ..', '/files/a%2F..%2Fb.txt'],
    ['backslash', '/files/a%5Cb.txt'],
    ['raw backslash', '/files/a\\b.txt'],
    ['NUL', '/files/a%00b.txt'],
    ['empty segment', '/files/a//b.txt'],
    ['leading slash (encoded)', '/files/%2Fetc/passwd'],
    ['trailing slash', '/files/dir/'],
    ['malformed escape', '/files/a%zz.txt'],
    ['over 1024 characters', `/files/${'a'.repeat(1025)}`],
  ])('%s is 400 invalid_path', async (_what, path) => {
    const put = await call(sb.api, 'PUT', site(path), { token, raw: 'x' });
    expect(put.status).toBe(400);
    expect(put.json.error?.code).toBe('invalid_path');
    const del = await call(sb.api, 'DELETE', site(path), { token });
    expect(del.status).toBe(400);
  });

  test('1024 characters is still a path', async () => {
    const path = `${'d/'.repeat(300)}${'f'.repeat(1024 - 600)}`;
    expect(path).toHaveLength(1024);
    expect((await call(sb.api, 'PUT', site(`/files/${path}`), { token, raw: 'x' })).status).toBe(201);
  });
});

describe('the 25 MiB cap', () => {
  const CAP = 25 * 1024 * 1024;

  test('exactly 25 MiB is accepted', async () => {
    const r = await request(`${sb.api}${site('/files/exact.bin')}`, {
      method: 'PUT',
      body: Buffer.alloc(CAP, 7),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.statusCode).toBe(201);
    expect(((await r.body.json()) as FileJson).size).toBe(CAP);
  });

  test('one byte more is 413, announced by Content-Length: answered before the body is read', async () => {
    const started = Date.now();
    const r = await request(`${sb.api}${site('/files/big.bin')}`, {
      method: 'PUT',
      body: Buffer.alloc(CAP + 1, 7),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.statusCode).toBe(413);
    expect(((await r.body.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('chunked without a length: cut off once past the cap, and nothing is stored', async () => {
    let sent = 0;
    function* chunks() {
      for (let i = 0; i < 40; i++) {
        sent += 1024 * 1024;
        yield Buffer.alloc(1024 * 1024, 1);
      }
    }
    const r = await request(`${sb.api}${site('/files/chunked.bin')}`, {
      method: 'PUT',
      body: Readable.from(chunks()),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.statusCode).toBe(413);
    await r.body.dump();
    const list = await call<{ files: FileJson[] }>(sb.api, 'GET', site('/files'), { token });
    expect(list.json.files.map((f) => f.path)).not.toContain('chunked.bin');
    expect(sent).toBeGreaterThan(CAP);
  });
});

describe('the sites serve their files', () => {
  test('content types, the index document for directories, the error document for misses', async () => {
    const t = await sb.token({ email: 'lin@example.com' });
    const created = await call<{ id: string; url: string }>(sb.api, 'POST', '/v1/sites?partition=us', {
      token: t,
      body: { name: 'lin-served' },
    });
    const id = created.json.id;
    const put = (path: string, body: string, type?: string) =>
      call(sb.api, 'PUT', `/v1/sites/${id}/files/${path}?partition=us`, {
        token: t,
        raw: body,
        ...(type ? { headers: { 'content-type': type } } : {}),
      });
    await put('index.html', '<h1>home</h1>');
    await put('docs/index.html', '<h1>docs</h1>');
    await put('data.json', '{"a":1}', 'application/json');
    await put('oops.html', '<h1>missing</h1>');
    expect(created.json.url).toBe(`${sb.api}/s/us/lin-served/`);

    const home = await fetch(created.json.url);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html');
    expect(await home.text()).toBe('<h1>home</h1>');
    expect(await (await fetch(`${created.json.url}docs/`)).text()).toBe('<h1>docs</h1>');
    expect(await (await fetch(`${created.json.url}docs`)).text()).toBe('<h1>docs</h1>');
    const data = await fetch(`${created.json.url}data.json`);
    expect(data.headers.get('content-type')).toBe('application/json');
    expect(await data.json()).toEqual({ a: 1 });

    // No error document yet: a plain 404.
    const miss = await fetch(`${created.json.url}nope.html`);
    expect(miss.status).toBe(404);
    expect(await miss.text()).not.toContain('missing');
    await call(sb.api, 'PATCH', `/v1/sites/${id}?partition=us`, {
      token: t,
      body: { errorDocument: 'oops.html' },
    });
    const miss2 = await fetch(`${created.json.url}nope.html`);
    expect(miss2.status).toBe(404);
    expect(await miss2.text()).toBe('<h1>missing</h1>');

    // The site lives in us only, and without the slash it redirects to the directory URL.
    expect((await fetch(`${sb.api}/s/eu/lin-served/`)).status).toBe(404);
    const bare = await fetch(`${sb.api}/s/us/lin-served`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/s/us/lin-served/');
    // A traversal attempt is a miss, not a file from elsewhere.
    const traversal = await call(sb.api, 'GET', '/s/us/lin-served/docs/%2e%2e/data.json');
    expect(traversal.status).toBe(404);
  });

  test('seeded sites serve index.html and 404.html', async () => {
    const r = await fetch(`${sb.api}/s/eu/lin-blog/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('lin-blog');
    const miss = await fetch(`${sb.api}/s/eu/lin-blog/missing`);
    expect(miss.status).toBe(404);
    expect(await miss.text()).toContain('Not found');
  });
});
