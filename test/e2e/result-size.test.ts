// Results sized for a model, end to end: the built server over stdio with the SDK client and the
// sandbox. A site of 10,000 files and an account of 300 sites (seeded through the sandbox
// window) are paged through to the end, every page under the 40,000-byte ceiling, every file
// and site seen exactly once.
import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { MAX_RESULT_BYTES, resultBytes } from '../../src/mcp/result-size.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import type { RunningServer } from '../helpers/mcp-server.js';
import { call } from '../helpers/sandbox.js';

// Sam starts with one site (sam-site, us); the files test gives him a second.
const env = await e2e({ user: 'sam@example.com' });

/** One call, checked against the ceiling as the client received it. */
async function sized(server: RunningServer, name: string, args: Record<string, unknown>) {
  const result = (await server.client.callTool({ name, arguments: args })) as CallToolResult;
  expect(resultBytes(result as never), `${name} ${JSON.stringify(args)}`).toBeLessThanOrEqual(
    MAX_RESULT_BYTES,
  );
  return result;
}

type FilePage = { files: Array<{ path: string }>; total: number; nextCursor?: string };

/** Every page of one listing: pages until no cursor, and what each page said. */
async function allFiles(server: RunningServer, args: Record<string, unknown>) {
  const pages: Array<{ page: FilePage; text: string }> = [];
  let cursor: string | undefined;
  do {
    const result = await sized(server, 'list_files', { ...args, ...(cursor ? { cursor } : {}) });
    const page = ok<FilePage>(result);
    pages.push({ page, text: text(result) });
    cursor = page.nextCursor;
  } while (cursor && pages.length < 1000);
  return pages;
}

describe('list_files on a site of 10,000 files', () => {
  // Paths of different lengths under ten folders; some long, so a page of 1,000 is cut by size.
  const paths = Array.from({ length: 10_000 }, (_, i) =>
    i % 97 === 0
      ? `d${i % 10}/${'long-name-'.repeat(40)}${i}.html`
      : `d${i % 10}/sub-${Math.floor(i / 10) % 7}/page-${i}.html`,
  );

  it('pages through to the end with limit and cursor, each page under the ceiling, each file once', async () => {
    const seeded = await call<{ id: string; files: number }>(
      env.sandbox.api,
      'POST',
      '/_sandbox/seed/files',
      {
        body: { email: 'sam@example.com', partition: 'us', site: 'sam-many-files', paths },
      },
    );
    expect(seeded.status, seeded.text).toBe(200);
    expect(seeded.json.files).toBe(10_000);
    const server = await env.server();
    const site = { site_id: seeded.json.id, partition: 'us' };

    const pages = await allFiles(server, { ...site, limit: 1000 });
    const seen = pages.flatMap((p) => p.page.files.map((f) => f.path));
    expect(seen.length).toBe(10_000);
    expect(new Set(seen)).toEqual(new Set(paths));
    // The size, not the limit, ended the pages: each cut one says so and how to go on.
    const first = pages[0]!;
    expect(first.page.files.length).toBeLessThan(1000);
    expect(first.page.total).toBe(10_000);
    expect(first.text).toContain('cut to fit one result');
    expect(first.text).toContain(`cursor "${first.page.nextCursor}"`);
    expect(pages.at(-1)?.text).toMatch(/of 10000: the last page\.$/);

    // The default page, and a prefix: only its paths, all of them, once.
    const byDefault = ok<FilePage>(await sized(server, 'list_files', site));
    expect(byDefault.files.length).toBe(100);
    const under = await allFiles(server, { ...site, prefix: 'd3/', limit: 400 });
    const underSeen = under.flatMap((p) => p.page.files.map((f) => f.path));
    expect(underSeen.sort()).toEqual(paths.filter((p) => p.startsWith('d3/')).sort());
    expect(under[0]?.page.total).toBe(1000);

    // A cursor is bound to its listing: another prefix is refused by name.
    const wrong = await server.client.callTool({
      name: 'list_files',
      arguments: { ...site, prefix: 'd4/', cursor: under[0]?.page.nextCursor },
    });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toMatch(/^cursor: .*prefix "d3\/"/);
    await server.close();
  });
});

describe('list_sites on an account of 300 sites', () => {
  it('refuses a limit over 100 by name, and pages both partitions to the end, each site once', async () => {
    for (const [partition, count] of [
      ['us', 148], // + sam-site and sam-many-files
      ['eu', 150],
    ] as const) {
      const seeded = await call(env.sandbox.api, 'POST', '/_sandbox/seed/sites', {
        body: { email: 'sam@example.com', partition, prefix: `sam-${partition}`, count },
      });
      expect(seeded.status, seeded.text).toBe(200);
    }
    const server = await env.server();

    const over = await server.client.callTool({ name: 'list_sites', arguments: { limit: 101 } });
    expect(over.isError).toBe(true);
    expect(text(over)).toMatch(/limit: at most 100 sites per call/);

    const seen: Array<{ id: string; partition: string }> = [];
    let cursor: string | undefined;
    let pages = 0;
    let cut = 0;
    do {
      const result = await sized(server, 'list_sites', { limit: 100, ...(cursor ? { cursor } : {}) });
      const page = ok<{ sites: Array<{ id: string; partition: string }>; nextCursor?: string }>(result);
      expect(page.sites.length).toBeLessThanOrEqual(100);
      if (page.nextCursor) expect(text(result)).toContain(`cursor "${page.nextCursor}"`);
      if (/cut to fit one result/.test(text(result))) cut += 1;
      seen.push(...page.sites);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    // Pages of 100 sites are over the ceiling here: some were cut, and resumed mid-page.
    expect(cut).toBeGreaterThan(0);
    expect(seen.length).toBe(300);
    expect(new Set(seen.map((s) => s.id)).size).toBe(300);
    expect(seen.filter((s) => s.partition === 'eu').length).toBe(150);
    await server.close();
  });
});
