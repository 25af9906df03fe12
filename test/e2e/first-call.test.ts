// The product's main path, end to end: the built server over stdio with the SDK client, the
// sandbox over HTTP, the sign-in through the real loopback callback (the scripted browser is
// BROWSER), then every tool.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { ROOT } from '../helpers/mcp-server.js';

const env = await e2e();
const storeFile = join(env.configDir, 'hostsmith-e2e/hostsmith/oauth.json');

type Site = { id: string; name: string; partition: 'us' | 'eu'; url: string };

describe('first tool call', () => {
  it('answers initialize and tools/list at once, without a network call', async () => {
    const before = env.sandbox.window.requestLog().length;
    const server = await env.server();
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'create_site',
        'delete_file',
        'delete_site',
        'deploy_directory',
        'get_account',
        'get_site',
        'list_domains',
        'list_files',
        'list_sites',
        'update_site',
        'upload_files',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.annotations, tool.name).toBeDefined();
    }
    expect(server.client.getInstructions()).toMatch(/partition/);
    expect(env.sandbox.window.requestLog().length).toBe(before);
    expect(env.tabs()).toBe(0);
    await server.close();
  });

  it('signs in through the browser, then every tool works', async () => {
    const server = await env.server();
    const account = ok<{
      user: { email: string; homePartition: string };
      partitions: Record<string, unknown>;
    }>(await server.client.callTool({ name: 'get_account', arguments: {} }));
    expect(env.tabs()).toBe(1);
    expect(account.user).toMatchObject({ email: 'ada@example.com', homePartition: 'us' });
    expect(Object.keys(account.partitions).sort()).toEqual(['eu', 'us']);
    expect(server.stderr()).toMatch(/http:\/\/127\.0\.0\.1:\d+\//); // the link, always on stderr

    // The merge: ada has sites in both partitions.
    const listed = ok<{ sites: Site[] }>(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    expect(new Set(listed.sites.map((s) => s.partition))).toEqual(new Set(['us', 'eu']));
    const domains = ok<{ domains: Array<{ partition: string; type: string }> }>(
      await server.client.callTool({ name: 'list_domains', arguments: {} }),
    );
    expect(new Set(domains.domains.map((d) => d.partition))).toEqual(new Set(['us', 'eu']));
    expect(domains.domains.some((d) => d.type === 'custom')).toBe(true);

    const created = ok<Site>(
      await server.client.callTool({ name: 'create_site', arguments: { name: 'e2e-site', partition: 'eu' } }),
    );
    expect(created).toMatchObject({ name: 'e2e-site', partition: 'eu' });
    const taken = await server.client.callTool({
      name: 'create_site',
      arguments: { name: 'e2e-site', partition: 'eu' },
    });
    expect(taken.isError).toBe(true);
    expect(text(taken)).toMatch(/taken|exists/i);
    const bad = await server.client.callTool({ name: 'create_site', arguments: { name: 'Not A Name!' } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/name/);

    const got = ok<Site>(
      await server.client.callTool({ name: 'get_site', arguments: { site_id: created.id, partition: 'eu' } }),
    );
    expect(got.id).toBe(created.id);
    const missing = await server.client.callTool({
      name: 'get_site',
      arguments: { site_id: created.id, partition: 'us' },
    });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/not found/i);

    const updated = ok<Site & { errorDocument: string | null }>(
      await server.client.callTool({
        name: 'update_site',
        arguments: { site_id: created.id, partition: 'eu', error_document: '404.html' },
      }),
    );
    expect(updated.errorDocument).toBe('404.html');

    ok(
      await server.client.callTool({
        name: 'upload_files',
        arguments: {
          site_id: created.id,
          partition: 'eu',
          files: [
            { path: 'hello.txt', content: 'hello from e2e' },
            {
              path: 'bin/one.bin',
              content: Buffer.from([0, 1, 2, 255]).toString('base64'),
              encoding: 'base64',
            },
          ],
        },
      }),
    );
    const files = ok<{ files: Array<{ path: string; size: number }> }>(
      await server.client.callTool({
        name: 'list_files',
        arguments: { site_id: created.id, partition: 'eu' },
      }),
    );
    expect(files.files.map((f) => f.path).sort()).toEqual(['bin/one.bin', 'hello.txt']);
    expect(files.files.find((f) => f.path === 'bin/one.bin')?.size).toBe(4);
    const site = await fetch(new URL('hello.txt', updated.url));
    expect(await site.text()).toBe('hello from e2e');
    ok(
      await server.client.callTool({
        name: 'delete_file',
        arguments: { site_id: created.id, partition: 'eu', path: 'hello.txt' },
      }),
    );

    // Deploy a folder of real files, then fetch the deployed site.
    const deployed = ok<{
      deployId: string;
      fileCount: number;
      filesUploaded: number;
      bytesUploaded: number;
      bytesSkipped: number;
      url: string;
    }>(
      await server.client.callTool({
        name: 'deploy_directory',
        arguments: { site_id: created.id, partition: 'eu', directory: join(ROOT, 'examples/site') },
      }),
    );
    expect(deployed.fileCount).toBeGreaterThan(2);
    expect(deployed.filesUploaded).toBeGreaterThan(0);
    const index = await fetch(deployed.url);
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(readFileSync(join(ROOT, 'examples/site/index.html'), 'utf8'));
    const gone = await fetch(new URL('hello.txt', deployed.url));
    expect(gone.status).toBe(404); // a deploy replaces the whole file set

    const again = ok<{ filesUploaded: number; bytesUploaded: number; bytesSkipped: number }>(
      await server.client.callTool({
        name: 'deploy_directory',
        arguments: { site_id: created.id, partition: 'eu', directory: join(ROOT, 'examples/site') },
      }),
    );
    expect(again).toMatchObject({ filesUploaded: 0, bytesUploaded: 0 });
    expect(again.bytesSkipped).toBeGreaterThan(0);

    const nowhere = await server.client.callTool({
      name: 'deploy_directory',
      arguments: { site_id: created.id, partition: 'eu', directory: join(ROOT, 'no/such/folder') },
    });
    expect(nowhere.isError).toBe(true);
    expect(text(nowhere)).toMatch(/does not exist|not found|no such/i);

    ok(
      await server.client.callTool({
        name: 'delete_site',
        arguments: { site_id: created.id, partition: 'eu' },
      }),
    );
    expect(env.tabs()).toBe(1); // one sign-in for all of it
    await server.close();
  });

  it('keeps the credentials in a 0600 file, in a 0700 folder, for this API only', () => {
    expect(statSync(storeFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(storeFile, '..')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(storeFile, 'utf8')) as {
      version: number;
      credentials: Record<
        string,
        { access_token?: string; refresh_token?: string; account?: { email: string } }
      >;
    };
    expect(stored.version).toBe(1);
    expect(Object.keys(stored.credentials)).toEqual([env.sandbox.api]);
    const cred = stored.credentials[env.sandbox.api]!;
    expect(cred.account?.email).toBe('ada@example.com');
    const secrets = env.sandbox.window.secrets();
    // The stored tokens are the sandbox's own; none belongs to another API.
    expect(secrets.accessTokens).toContain(cred.access_token);
    expect(secrets.refreshTokens).toContain(cred.refresh_token);
  });

  it('a second server process on the same store makes no new sign-in', async () => {
    const grantsBefore = (await env.sandbox.window.grants()).length;
    const tabsBefore = env.tabs();
    const server = await env.server();
    ok(await server.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    expect(env.tabs()).toBe(tabsBefore);
    expect((await env.sandbox.window.grants()).length).toBe(grantsBefore);
    await server.close();
  });
});
