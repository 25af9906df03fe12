// The sign-in as each kind of client shows it: URL-mode elicitation on both protocol families,
// progress while waiting, and a machine with no display. (A decline or cancel, the host's or the
// person's: elicitation-host-answers.test.ts.)
import type { Client } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();
const ELICITATION = { capabilities: { elicitation: { url: {} } } };

/** A used or cancelled start link is dead: refused (410), or its server is gone altogether. */
async function isDead(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { redirect: 'manual' })).status === 410;
  } catch {
    return true; // connection refused: the one-shot server has closed
  }
}

/** A client that shows URL elicitations by "opening" them in the scripted browser. */
function showLinks(client: Client) {
  const shown: Array<{ url: string; message: string; elicitationId?: string }> = [];
  const completed: string[] = [];
  client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
    completed.push(notification.params.elicitationId);
  });
  client.setRequestHandler('elicitation/create', async (request) => {
    const params = request.params as { mode?: string; url?: string; message: string; elicitationId?: string };
    if (params.mode !== 'url' || !params.url) return { action: 'decline' as const };
    shown.push({ url: params.url, message: params.message, elicitationId: params.elicitationId });
    void completeSignIn(params.url, { action: 'approve' });
    return { action: 'accept' as const };
  });
  return Object.assign(shown, { completed });
}

describe.each([
  ['2025-11-25', {}],
  ['2026-07-28', { versionNegotiation: { mode: 'auto' as const } }],
])('URL elicitation on a %s connection', (era, extra) => {
  it('shows our one-time loopback link, launches no browser, and completes the call on accept', async () => {
    const tabs = env.tabs();
    const server = await env.server({ configDir: tempDir(), clientOptions: { ...ELICITATION, ...extra } });
    expect(server.client.getProtocolEra()).toBe(era === '2026-07-28' ? 'modern' : 'legacy');
    const shown = showLinks(server.client);
    const account = ok<{ user: { email: string } }>(
      await server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }),
    );
    expect(account.user.email).toBe('ada@example.com');
    expect(shown).toHaveLength(1);
    expect(shown[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+$/);
    expect(shown[0]!.message).toBe('Sign in to Hostsmith to let this agent manage your sites');
    expect(server.stderr()).toContain(shown[0]!.url); // the same link everywhere
    // 2025-11-25 has a completion notice, sent when the callback arrived; 2026-07-28 has none.
    expect(shown.completed).toEqual(era === '2025-11-25' ? [shown[0]!.elicitationId] : []);
    expect(env.tabs()).toBe(tabs); // the client opened it; we launched nothing
    // The link was used: it does not work a second time.
    expect(await isDead(shown[0]!.url)).toBe(true);
    await server.close();
  });
});

describe('without URL elicitation', () => {
  it('sends progress while the sign-in waits', async () => {
    const server = await env.server({
      configDir: tempDir(),
      env: { SCRIPTED_BROWSER_DELAY_MS: '6500' },
    });
    // onprogress asks for progress; what the server sent is read off the wire (see progressSent).
    ok(
      await server.client.callTool(
        { name: 'get_account', arguments: { partition: 'us' } },
        { onprogress: () => {} },
      ),
    );
    const updates = server.progressSent();
    // At the start of the wait, then at least every 5 s.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates[0]!.message).toMatch(/waiting for you to approve in the browser/);
    expect(updates.map((u) => u.progress)).toEqual([...updates.map((u) => u.progress)].sort((a, b) => a - b));
    await server.close();
  });

  it('launches no browser where there is no display, and says why on stderr', async () => {
    const tabs = env.tabs();
    // No BROWSER, no DISPLAY/WAYLAND_DISPLAY: the guess says headless.
    const server = await env.server({
      configDir: tempDir(),
      args: ['--sign-in-wait', '1'],
      env: { BROWSER: '' },
    });
    const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
    expect(result.isError).toBe(true);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/.exec(text(result))?.[1];
    expect(link).toBeDefined();
    // Here that is a container (/.dockerenv); on a desktop without DISPLAY, "no display".
    expect(server.stderr()).toMatch(
      /Not opening a browser: (this runs inside a container|there is no display)/,
    );
    expect(env.tabs()).toBe(tabs);
    // The person opens the link on their own; the next call finds them signed in.
    await completeSignIn(link!, { action: 'approve' });
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    await server.close();
  });
});
