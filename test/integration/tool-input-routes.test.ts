// Hostile ids and paths through the BUILT server over stdio (official MCP client, sandbox): every
// site and file tool refuses them with a tool error that names the field, and the sandbox's
// request log (read through its /_sandbox/ window) shows no request off the API's route table.
// Paths that only look hostile ("%2e%2e", "?x", "ünï/…") are legal file names: they make a
// correct call, to exactly the route and file they name.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { matchRoute } from '../../sandbox/api/routes.js';
import type { RequestLogEntry } from '../../sandbox/index.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { type RunningServer, tempDir } from '../helpers/mcp-server.js';
import { call } from '../helpers/sandbox.js';

const env = await e2e();
const folder = tempDir('hostile-deploy-');
writeFileSync(join(folder, 'index.html'), '<p>never deployed</p>');

let server: RunningServer;
let siteId: string;

/** The API requests the sandbox saw since the last clear, from its window over HTTP. */
async function apiRequests(): Promise<RequestLogEntry[]> {
  const r = await call<{ requests: RequestLogEntry[] }>(env.sandbox.api, 'GET', '/_sandbox/requests');
  expect(r.status).toBe(200);
  return r.json.requests.filter((e) => e.server === 'api');
}

const offRoute = (entries: RequestLogEntry[]) =>
  entries.filter((e) => matchRoute(e.method, e.path).kind !== 'found').map((e) => `${e.method} ${e.path}`);

const HOSTILE_IDS = [
  '',
  '.',
  '..',
  '%2e%2e',
  '%2E.',
  '%2F',
  'site_a/b',
  'site_x/../..',
  'site_%2F..',
  '\0',
  'site_\0',
  '?x',
  'site_x?partition=eu',
  '#x',
  'site_é',
  'site_\u202e',
  'site_😀',
  'site_\ud800',
  ' site_x',
  'site_x\n',
  'site_',
  'usr_1',
];

/** Each site-taking tool with otherwise valid arguments, so only site_id can be at fault. */
const SITE_TOOLS: Record<string, (id: string) => Record<string, unknown>> = {
  get_site: (id) => ({ site_id: id }),
  update_site: (id) => ({ site_id: id, index_document: 'index.html' }),
  delete_site: (id) => ({ site_id: id }),
  list_files: (id) => ({ site_id: id }),
  upload_files: (id) => ({ site_id: id, files: [{ path: 'a.txt', content: 'a' }] }),
  delete_file: (id) => ({ site_id: id, path: 'x' }),
  deploy_directory: (id) => ({ site_id: id, directory: folder }),
};

const HOSTILE_PATHS = [
  '',
  '.',
  '..',
  '../x',
  'a/../../b',
  'a/./b',
  'a//b',
  '/etc/passwd',
  'a/',
  'a\\..\\b',
  'a\0b',
  '\0',
  'a\ud800b',
];

/** Each place a site path goes, with `p` as that path and everything else valid. */
const PATH_FIELDS: { tool: string; field: RegExp; args: (p: string) => Record<string, unknown> }[] = [
  {
    tool: 'upload_files',
    field: /files\.0\.path|files\[0\]\.path/,
    args: (p) => ({ site_id: siteId, files: [{ path: p, content: 'x' }] }),
  },
  { tool: 'delete_file', field: /\bpath\b/, args: (p) => ({ site_id: siteId, path: p }) },
  {
    tool: 'update_site',
    field: /index_document/,
    args: (p) => ({ site_id: siteId, index_document: p }),
  },
  {
    tool: 'update_site',
    field: /error_document/,
    args: (p) => ({ site_id: siteId, error_document: p }),
  },
];

async function callTool(name: string, args: Record<string, unknown>) {
  return server.client.callTool({ name, arguments: args });
}

describe('hostile ids and paths never leave the route table', () => {
  it('signs in and creates the site the path cases use', async () => {
    server = await env.server();
    const site = ok<{ id: string }>(await callTool('create_site', { name: `hostile-${process.pid}` }));
    siteId = site.id;
    expect(siteId).toMatch(/^site_[A-Za-z0-9_-]+$/);
  });

  beforeEach(async () => {
    await call(env.sandbox.api, 'DELETE', '/_sandbox/requests');
  });

  it('refuses every hostile site_id with an error naming the field, and sends nothing', async () => {
    const answers: { what: string; isError: unknown; said: string }[] = [];
    for (const [tool, args] of Object.entries(SITE_TOOLS)) {
      for (const id of HOSTILE_IDS) {
        const result = await callTool(tool, args(id));
        answers.push({ what: `${tool} ${JSON.stringify(id)}`, isError: result.isError, said: text(result) });
      }
    }
    // The request log first: what reached the API is the defect, the wording comes second.
    const seen = await apiRequests();
    expect(offRoute(seen)).toEqual([]);
    expect(seen.map((e) => `${e.method} ${e.path}`)).toEqual([]);
    expect(answers).toHaveLength(Object.keys(SITE_TOOLS).length * HOSTILE_IDS.length);
    for (const { what, isError, said } of answers) {
      expect(isError, `${what}: ${said}`).toBe(true);
      expect(said, what).toMatch(/site_id/);
      expect(said, what).toMatch(/starts with "site_"/);
    }
  });

  it('refuses every hostile site path with an error naming the field, and sends nothing', async () => {
    const answers: { what: string; field: RegExp; isError: unknown; said: string }[] = [];
    for (const { tool, field, args } of PATH_FIELDS) {
      for (const p of HOSTILE_PATHS) {
        const result = await callTool(tool, args(p));
        answers.push({
          what: `${tool} ${JSON.stringify(p)}`,
          field,
          isError: result.isError,
          said: text(result),
        });
      }
    }
    const seen = await apiRequests();
    expect(offRoute(seen)).toEqual([]);
    expect(seen.map((e) => `${e.method} ${e.path}`)).toEqual([]);
    for (const { what, field, isError, said } of answers) {
      expect(isError, `${what}: ${said}`).toBe(true);
      expect(said, what).toMatch(field);
    }
  });

  it('paths that only look hostile are files of their own, on exactly their route', async () => {
    const names = ['%2e%2e', '%2F', 'a%2F..%2Fb', '?x', '#x', 'ünï/cödé.txt', 'a b/+&=;.txt', '..a/b..', '~'];
    const uploaded = ok<{ files: { path: string }[] }>(
      await callTool('upload_files', {
        site_id: siteId,
        files: names.map((path) => ({ path, content: path })),
      }),
    );
    expect(uploaded.files.map((f) => f.path)).toEqual(names);
    for (const path of names) ok(await callTool('delete_file', { site_id: siteId, path }));
    ok(await callTool('update_site', { site_id: siteId, index_document: '%2e%2e', error_document: '?x' }));
    // No null in the input schema: a flag takes the error document away.
    const cleared = ok<{ errorDocument: string | null }>(
      await callTool('update_site', { site_id: siteId, remove_error_document: true }),
    );
    expect(cleared.errorDocument).toBeNull();
    const both = await callTool('update_site', {
      site_id: siteId,
      error_document: 'a',
      remove_error_document: true,
    });
    expect(both.isError).toBe(true);
    expect(text(both)).toMatch(/not both/);

    const seen = await apiRequests();
    expect(offRoute(seen)).toEqual([]);
    const files = seen.filter((e) => e.method === 'PUT' || e.method === 'DELETE');
    expect(files).toHaveLength(names.length * 2);
    for (const entry of files) {
      const match = matchRoute(entry.method, entry.path);
      expect(match.kind === 'found' && match.params).toMatchObject({ siteId });
    }
    const params = files.map((e) => {
      const match = matchRoute(e.method, e.path);
      return match.kind === 'found' ? match.params.path : undefined;
    });
    expect(params).toEqual([...names, ...names]);
    const listed = ok<{ files: unknown[] }>(await callTool('list_files', { site_id: siteId }));
    expect(listed.files).toEqual([]);
  });
});
