// The sign-in as a person lives it: the real sign-in and consent pages (no auto-approve), a person
// who is slow, one who says no, and a credentials file that got damaged.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';

const env = await e2e({ autoApprove: false });

describe('sign-in', () => {
  it('a person who does not finish in time gets the link, and the next call succeeds once they do', async () => {
    const configDir = tempDir();
    const server = await env.server({
      configDir,
      args: ['--sign-in-wait', '2'],
      env: { SCRIPTED_BROWSER_DELAY_MS: '4000', SCRIPTED_BROWSER_EMAIL: 'lin@example.com' },
    });
    const first = await server.client.callTool({ name: 'get_account', arguments: {} });
    expect(first.isError).toBe(true);
    expect(text(first)).toMatch(/call (this tool )?again/i);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(text(first))?.[1];
    expect(link).toBeDefined();
    expect(server.stderr()).toContain(link);
    // The person finishes (4 s after the tab opened) while no call waits: the server says so.
    await vi.waitFor(() => expect(server.stderr()).toContain('Signed in to Hostsmith as lin@example.com'), {
      timeout: 30_000,
    });
    const second = ok<{ user: { email: string } }>(
      await server.client.callTool({ name: 'get_account', arguments: {} }),
    );
    expect(second.user.email).toBe('lin@example.com');
    expect(env.tabs()).toBe(1); // the second call joined; it did not open another tab
    await server.close();
  });

  it('Deny gives a clear tool error', async () => {
    const configDir = tempDir();
    const server = await env.server({ configDir, env: { SCRIPTED_BROWSER_ACTION: 'deny' } });
    const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/denied/i);
    await server.close();
  });

  it('a corrupt oauth.json is set aside, reported, and treated as signed out', async () => {
    const configDir = tempDir();
    const folder = join(configDir, 'hostsmith-e2e/hostsmith');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileSync(join(folder, 'oauth.json'), '{"version": 1, "credentials": {"x": ', { mode: 0o600 });
    const server = await env.server({ configDir });
    ok(await server.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    const asides = readdirSync(folder).filter((f) => f.startsWith('oauth.json.corrupt-'));
    expect(asides).toHaveLength(1);
    expect(server.stderr()).toMatch(/corrupt|could not be read|invalid/i);
    expect(existsSync(join(folder, 'oauth.json'))).toBe(true);
    await server.close();
  });
});
