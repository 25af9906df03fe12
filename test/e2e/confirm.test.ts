// Confirm before destroying, and deploys that say what they change. delete_site, delete_file and
// a deploy that removes live files ask the person through form elicitation when the client
// declares it: only an accept with the box ticked deletes. On 2026-07-28 the answer comes back
// on a new call, and counts only with the requestState sealed for the same tool, arguments and
// plan. Without form elicitation the host's own approval stands; --confirm never turns the
// question off. The sandbox's served sites and request log say what really happened.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';

const env = await e2e();
const configDir = tempDir();
const FORM = { capabilities: { elicitation: { form: {} } } };
const MODERN = { versionNegotiation: { mode: 'auto' as const } };
const CONFIRM_INPUT = 'hostsmith_confirm';

// One sign-in for the file (the scripted browser approves); every server below shares it.
const plain = await env.server({ configDir });
type SiteInfo = { id: string; name: string; url: string; partition: string };
let n = 0;
async function newSite(files: Record<string, string> = { 'index.html': '<p>hi</p>' }): Promise<SiteInfo> {
  const site = ok<SiteInfo>(
    await plain.client.callTool({
      name: 'create_site',
      arguments: { name: `confirm-${process.pid}-${n++}`, partition: 'us' },
    }),
  );
  const entries = Object.entries(files).map(([path, content]) => ({ path, content }));
  ok(await plain.client.callTool({ name: 'upload_files', arguments: { site_id: site.id, files: entries } }));
  return site;
}
const status = async (url: string) => (await fetch(url)).status;
/** Requests the sandbox saw since `mark`, as "METHOD path". */
const seenSince = (mark: number) =>
  env.sandbox.window
    .requestLog()
    .slice(mark)
    .map((e) => `${e.method} ${e.path}`);

type Reply =
  | { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, string | number | boolean> }
  | 'throw';
/** Answers every form with the next reply; records the questions it was shown. */
function answer(client: Client, replies: Reply[]): string[] {
  const asked: string[] = [];
  client.setRequestHandler('elicitation/create', async (request) => {
    const params = request.params as { message: string; mode?: string };
    asked.push(params.message);
    const reply = replies.shift() ?? { action: 'decline' };
    if (reply === 'throw') throw new Error('the host could not show the form');
    return reply;
  });
  return asked;
}
const YES: Reply = { action: 'accept', content: { confirm: true } };

describe.each([
  ['2025-11-25', FORM],
  ['2026-07-28', { ...FORM, ...MODERN }],
])('on a %s client with form elicitation', (protocol, clientOptions) => {
  it('delete_site asks with the site, its file count and URL; a ticked accept deletes it', async () => {
    const server = await env.server({ configDir, clientOptions });
    expect(server.client.getNegotiatedProtocolVersion()).toBe(protocol);
    const site = await newSite({ 'index.html': '<p>a</p>', 'b.html': '<p>b</p>' });
    const asked = answer(server.client, [YES]);
    ok(await server.client.callTool({ name: 'delete_site', arguments: { site_id: site.id } }));
    expect(asked).toEqual([
      `Delete site ${site.name} (2 files, ${site.url})? The site and all its files are removed for good.`,
    ]);
    expect(await status(site.url)).toBe(404);

    // Every no keeps the site: decline, cancel, an accept without the box ticked, and a failure.
    const kept = await newSite();
    const noes: Reply[] = [
      { action: 'decline' },
      { action: 'cancel' },
      { action: 'accept', content: { confirm: false } },
    ];
    if (protocol === '2025-11-25') noes.push('throw');
    const words = [/declined/, /cancelled/, /did not tick/, /could not ask/];
    for (const [i, no] of noes.entries()) {
      const mark = env.sandbox.window.requestLog().length;
      answer(server.client, [no]);
      const refused = await server.client.callTool({ name: 'delete_site', arguments: { site_id: kept.id } });
      expect(refused.isError, text(refused)).toBe(true);
      expect(text(refused)).toMatch(words[i]!);
      expect(text(refused)).toContain(`nothing was done: did not delete site ${kept.name}`);
      expect(text(refused)).toContain('--confirm never');
      expect(seenSince(mark)).not.toContain(`DELETE /v1/sites/${kept.id}`);
      expect(await status(kept.url)).toBe(200);
    }
    await server.close();
  });

  it('delete_file asks with the path, its size and the site; a decline keeps it, an accept deletes it', async () => {
    const server = await env.server({ configDir, clientOptions });
    const site = await newSite({ 'index.html': '<p>i</p>', 'old.html': '<p>old</p>' });
    const asked = answer(server.client, [{ action: 'decline' }, YES]);
    const args = { site_id: site.id, path: 'old.html' };
    const refused = await server.client.callTool({ name: 'delete_file', arguments: args });
    expect(refused.isError).toBe(true);
    expect(await status(`${site.url}old.html`)).toBe(200);
    ok(await server.client.callTool({ name: 'delete_file', arguments: args }));
    expect(asked).toEqual(Array(2).fill(`Delete old.html (10 bytes) from site ${site.name} (${site.url})?`));
    expect(await status(`${site.url}old.html`)).toBe(404);
    expect(await status(site.url)).toBe(200);
    await server.close();
  });
});

it('2026-07-28: an answer counts only with the requestState sealed for the same tool and arguments', async () => {
  const server = await env.server({
    configDir,
    clientOptions: { ...FORM, ...MODERN, inputRequired: { autoFulfill: false } },
  });
  const [a, b] = [await newSite(), await newSite()];
  const call = (site_id: string, extra: Record<string, unknown> = {}) =>
    server.client.callTool(
      { name: 'delete_site', arguments: { site_id }, ...extra },
      { allowInputRequired: true },
    ) as Promise<Record<string, unknown>>;
  const yes = { inputResponses: { [CONFIRM_INPUT]: YES } };

  const askedA = await call(a.id);
  expect(askedA.resultType).toBe('input_required');
  const stateA = askedA.requestState as string;
  expect(typeof stateA).toBe('string');
  const request = (askedA.inputRequests as Record<string, { params: { message: string } }>)[CONFIRM_INPUT];
  expect(request?.params.message).toContain(`Delete site ${a.name}`);

  // A yes with A's state, replayed on a call about B: ignored, B is asked about afresh.
  const replayed = await call(b.id, { ...yes, requestState: stateA });
  expect(replayed.resultType).toBe('input_required');
  // A yes with no state at all: ignored too.
  const bare = await call(b.id, yes);
  expect(bare.resultType).toBe('input_required');
  expect(await status(b.url)).toBe(200);
  // The same yes on the call it was sealed for deletes A.
  const done = await call(a.id, { ...yes, requestState: stateA });
  expect(done.isError, JSON.stringify(done)).toBeFalsy();
  expect(await status(a.url)).toBe(404);
  expect(await status(b.url)).toBe(200);
  await server.close();
});

it('without form elicitation the host confirms: no question, deleted', async () => {
  // A client that shows URLs but no forms: nothing to ask with.
  const server = await env.server({
    configDir,
    clientOptions: { capabilities: { elicitation: { url: {} } } },
  });
  const asked = answer(server.client, []);
  const site = await newSite();
  ok(await server.client.callTool({ name: 'delete_site', arguments: { site_id: site.id } }));
  expect(asked).toEqual([]);
  expect(await status(site.url)).toBe(404);
  // The tools say so to the host.
  const tools = (await server.client.listTools()).tools;
  for (const name of ['delete_site', 'delete_file', 'deploy_directory']) {
    expect(tools.find((t) => t.name === name)?.annotations?.destructiveHint).toBe(true);
  }
  await server.close();
});

it('--confirm never: a client with forms is not asked, and the site is deleted', async () => {
  const server = await env.server({ configDir, clientOptions: FORM, args: ['--confirm', 'never'] });
  const asked = answer(server.client, []);
  const site = await newSite();
  ok(await server.client.callTool({ name: 'delete_site', arguments: { site_id: site.id } }));
  expect(asked).toEqual([]);
  expect(await status(site.url)).toBe(404);
  await server.close();
});

describe('deploy_directory', () => {
  it('summarises, links the site, dry-runs without a deploy, and asks only when files would go', async () => {
    const server = await env.server({ configDir, clientOptions: FORM });
    const asked = answer(server.client, []);
    const site = await newSite({ 'index.html': '<p>hi</p>' });
    const root = tempDir('confirm-deploy-');
    const v1 = join(root, 'v1');
    await fs.mkdir(v1);
    await fs.writeFile(join(v1, 'index.html'), '<p>hi</p>');
    await fs.writeFile(join(v1, 'a.html'), '<p>a</p>');
    await fs.writeFile(join(v1, '.env'), 'SECRET=1');

    // Only adds: no question. The result says what changed and links the live site.
    const first = await server.client.callTool({
      name: 'deploy_directory',
      arguments: { site_id: site.id, directory: v1 },
    });
    const summary = ok<{ dryRun: boolean; deployId: string; changes: Record<string, unknown> }>(first);
    expect(asked).toEqual([]);
    expect(summary.dryRun).toBe(false);
    expect(summary.changes).toEqual({
      added: { count: 1, paths: ['a.html'] },
      changed: { count: 0, paths: [] },
      removed: { count: 0, paths: [] },
      unchanged: 1,
    });
    expect(text(first)).toContain('Added 1 (a.html); changed none; removed none; 1 unchanged.');
    expect(first.content).toContainEqual(
      expect.objectContaining({ type: 'resource_link', uri: site.url, name: site.name }),
    );
    expect(await status(`${site.url}a.html`)).toBe(200);

    // A dry run of a folder that changes index.html and drops a.html: the plan, no deploy.
    const v2 = join(root, 'v2');
    await fs.mkdir(v2);
    await fs.writeFile(join(v2, 'index.html'), '<p>new</p>');
    let mark = env.sandbox.window.requestLog().length;
    const dry = await server.client.callTool({
      name: 'deploy_directory',
      arguments: { site_id: site.id, directory: v2, dry_run: true },
    });
    const plan = ok<Record<string, unknown>>(dry);
    expect(plan).toMatchObject({
      dryRun: true,
      fileCount: 1,
      filesUploaded: 1,
      bytesUploaded: 10,
      changes: {
        added: { count: 0, paths: [] },
        changed: { count: 1, paths: ['index.html'] },
        removed: { count: 1, paths: ['a.html'] },
        unchanged: 0,
      },
    });
    expect(plan.deployId).toBeUndefined();
    expect(text(dry)).toMatch(/^Dry run: nothing was deployed/);
    expect(text(dry)).toContain('Would add none; would change 1 (index.html); would remove 1 (a.html)');
    expect(asked).toEqual([]);
    expect(seenSince(mark).filter((r) => r.startsWith('POST ') && r.includes('/deploys'))).toEqual([]);
    expect(seenSince(mark)).toContain(`GET /v1/sites/${site.id}/files`);
    expect(await status(`${site.url}a.html`)).toBe(200);

    // For real: it would remove a.html, so it asks. A no sends nothing.
    answer(server.client, [{ action: 'decline' }]);
    mark = env.sandbox.window.requestLog().length;
    const refused = await server.client.callTool({
      name: 'deploy_directory',
      arguments: { site_id: site.id, directory: v2 },
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain(`did not deploy to site ${site.name} (it would remove 1 file)`);
    expect(seenSince(mark).filter((r) => r.startsWith('POST '))).toEqual([]);
    expect(await status(`${site.url}a.html`)).toBe(200);

    const askedNow = answer(server.client, [YES]);
    const second = await server.client.callTool({
      name: 'deploy_directory',
      arguments: { site_id: site.id, directory: v2 },
    });
    ok(second);
    expect(askedNow).toEqual([
      `Deploy ${v2} to site ${site.name} (${site.url})? This removes 1 file from the live site: a.html.`,
    ]);
    expect(text(second)).toContain('Added none; changed 1 (index.html); removed 1 (a.html); 0 unchanged.');
    expect(await status(`${site.url}a.html`)).toBe(404);
    expect(await (await fetch(site.url)).text()).toBe('<p>new</p>');
    await server.close();
  });
});
