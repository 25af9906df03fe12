// The deploy_directory tool as the server runs it: its handler on a real HostsmithClient against
// the sandbox, its output checked against its own outputSchema, its failures read through the
// server's error text.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toToolErrorText } from '../../src/mcp/errors.js';
import type { ToolContext } from '../../src/mcp/tool.js';
import { deployDirectory, deployTools } from '../../src/mcp/tools/deploy.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { tokenClient } from '../helpers/token-client.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/site');
const sandbox = await startTestSandbox({ rateLimit: 10_000, uploadRateLimit: 10_000 });
const api = await tokenClient(sandbox, { email: 'lin@example.com' });
const tmp = await fs.mkdtemp(join(tmpdir(), 'deploy-tool-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const progress: string[] = [];
const ctx: ToolContext = {
  api,
  signal: new AbortController().signal,
  progress: async (m) => {
    progress.push(m);
  },
};

let n = 0;
const newSite = (partition?: 'us' | 'eu') => api.createSite(`tool-${process.pid}-${n++}`, partition);

/** Runs the handler the way the server does: args through the input schema, errors as text. */
async function run(
  args: unknown,
): Promise<{ ok: true; structured: unknown; text: string } | { ok: false; text: string }> {
  try {
    const result = await deployDirectory.handler(deployDirectory.inputSchema.parse(args), ctx);
    return { ok: true, ...result };
  } catch (err) {
    return { ok: false, text: toToolErrorText(err) };
  }
}

describe('deploy_directory', () => {
  it('is registered with its annotations', () => {
    expect(deployTools.map((t) => t.name)).toEqual(['deploy_directory']);
    expect(deployDirectory.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(deployDirectory.description).toMatch(/REPLACED/);
    expect(deployDirectory.description).toMatch(/machine where this server runs/);
  });

  it('deploys examples/site; the result matches the output schema and names the URL', async () => {
    const site = await newSite();
    const r = await run({ site_id: site.id, directory: EXAMPLE });
    if (!r.ok) throw new Error(r.text);
    const out = deployDirectory.outputSchema.parse(r.structured);
    expect(out).toMatchObject({
      fileCount: 6,
      filesUploaded: 6,
      bytesSkipped: 0,
      url: site.url,
      directory: EXAMPLE,
    });
    expect(r.text).toContain(site.url);
    expect(progress).toContainEqual(expect.stringMatching(/^hashed 6 files, \d+\.\d KiB$/));
    const page = await fetch(site.url);
    expect(await page.text()).toBe(await fs.readFile(join(EXAMPLE, 'index.html'), 'utf8'));
  });

  it('targets the partition given, and says when a relative folder was resolved', async () => {
    const site = await newSite('us'); // lin's home is eu
    const relativeDir = join(tmp, 'rel');
    await fs.mkdir(relativeDir);
    await fs.writeFile(join(relativeDir, 'index.html'), '<p>relative</p>');
    const fromCwd = relative(process.cwd(), relativeDir);
    const wrong = await run({ site_id: site.id, directory: relativeDir });
    expect(wrong.ok).toBe(false);
    expect(wrong.text).toMatch(/^Not found:.*list_sites/);
    const r = await run({ site_id: site.id, partition: 'us', directory: fromCwd });
    if (!r.ok) throw new Error(r.text);
    expect(r.structured).toMatchObject({ fileCount: 1, directory: relativeDir });
    expect(r.text).toContain('was relative');
    expect(await (await fetch(site.url)).text()).toBe('<p>relative</p>');
  });

  it('reports what it left out as a count and a few names, and expands ~ to the home folder', async () => {
    const site = await newSite();
    const dir = join(tmp, 'cluttered');
    await fs.mkdir(dir);
    await fs.writeFile(join(dir, 'index.html'), '<p>tidy</p>');
    const junk = ['.DS_Store', 'Thumbs.db', 'DESKTOP.INI', 'Icon\r', '__MACOSX'];
    for (let i = 0; i < 8; i++) junk.push(`.draft-${i}`);
    for (const name of junk) await fs.writeFile(join(dir, name), 'x');
    const home = process.env.HOME;
    process.env.HOME = tmp; // what os.homedir() answers on Linux and macOS
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run({ site_id: site.id, directory: '~/cluttered' });
    } finally {
      process.env.HOME = home;
    }
    if (!r.ok) throw new Error(r.text);
    const out = deployDirectory.outputSchema.parse(r.structured);
    expect(out).toMatchObject({ fileCount: 1, directory: dir });
    expect(out.skipped.count).toBe(13);
    expect(out.skipped.examples).toEqual([...junk].sort().slice(0, 10));
    expect(r.text).toContain(`Left out 13: ${[...junk].sort().slice(0, 10).join(', ')}, and 3 more.`);
    expect(r.text).not.toContain('was relative');
    expect(await (await fetch(site.url)).text()).toBe('<p>tidy</p>');
    // The description quotes the list, with an example path for each platform.
    expect(deployDirectory.description).toMatch(/Thumbs\.db, ehthumbs\.db, desktop\.ini, Icon\\r/);
    const directoryHelp = deployDirectory.inputSchema.shape.directory.description ?? '';
    expect(directoryHelp).toContain('/Users/ada/blog/dist');
    expect(directoryHelp).toContain('C:\\Users\\ada\\blog\\dist');
    expect(directoryHelp).toContain('/home/ada/blog/dist');
  });

  it('folder errors read well', async () => {
    const site = await newSite();
    const missing = await run({ site_id: site.id, directory: join(tmp, 'nope') });
    expect(missing).toEqual({
      ok: false,
      text: expect.stringContaining(`The folder ${join(tmp, 'nope')} does not exist`),
    });
    const empty = join(tmp, 'empty');
    await fs.mkdir(empty);
    expect((await run({ site_id: site.id, directory: empty })).text).toContain('holds no files to deploy');
    const leaky = join(tmp, 'leaky');
    await fs.mkdir(leaky);
    await fs.writeFile(join(leaky, 'index.html'), 'x');
    await fs.symlink('/etc/hostname', join(leaky, 'host.txt'));
    const out = await run({ site_id: site.id, directory: leaky });
    expect(out.text).toMatch(/The link host\.txt points to .*outside the folder/);
    // Nothing was published by the failed attempts.
    expect((await api.getSite(site.id)).liveDeployId).toBeNull();
  });

  it('bad arguments name the field', () => {
    const bad = deployDirectory.inputSchema.safeParse({ site_id: '', partition: 'asia', directory: '' });
    expect(bad.success).toBe(false);
    const fields = bad.error?.issues.map((i) => i.path.join('.')).sort();
    expect(fields).toEqual(['directory', 'partition', 'site_id']);
  });
});
