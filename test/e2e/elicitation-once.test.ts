// One sign-in, one dialog: URL elicitation shows a sign-in link once per connection. Two calls
// at once share the dialog (2025-11-25), and a call after the person accepted — their tab is
// open, the one-time link is spent — waits for that sign-in instead of showing the dead link.
import type { Client } from '@modelcontextprotocol/client';
import { describe, expect, it, vi } from 'vitest';
import { SANDBOX_PASSWORD } from '../../sandbox/users.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { completeSignIn, ScriptedBrowser } from '../helpers/scripted-browser.js';

// The real consent page (no auto-approve), so that a person can deny access in the browser.
const env = await e2e({ autoApprove: false });
const ELICITATION = { capabilities: { elicitation: { url: {} } } };
const MODERN = { versionNegotiation: { mode: 'auto' as const } };

/** Accepts every dialog; `approve` decides whether the person also finishes in the browser. */
function acceptDialogs(client: Client, approve: boolean): string[] {
  const shown: string[] = [];
  client.setRequestHandler('elicitation/create', async (request) => {
    const url = (request.params as { url?: string }).url;
    if (!url) return { action: 'decline' as const };
    shown.push(url);
    if (approve) setTimeout(() => void completeSignIn(url, { action: 'approve' }), 200);
    return { action: 'accept' as const };
  });
  return shown;
}

it('two calls at once on a 2025-11-25 connection share one dialog, and both complete', async () => {
  const server = await env.server({ configDir: tempDir(), clientOptions: ELICITATION });
  const shown = acceptDialogs(server.client, true);
  const [account, sites] = await Promise.all([
    server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }),
    server.client.callTool({ name: 'list_sites', arguments: {} }),
  ]);
  ok(account);
  ok(sites);
  expect(shown).toHaveLength(1);
  await server.close();
});

describe.each([
  ['2025-11-25', ELICITATION],
  ['2026-07-28', { ...ELICITATION, ...MODERN }],
])('on a %s connection', (_era, clientOptions) => {
  it('a call after the person accepted waits for that sign-in; no second dialog', async () => {
    // 5 s: the first call runs out of it; the second needs only the consent, the callback and the
    // code exchange within it (3 s for the whole browser flow was close on a loaded machine).
    const server = await env.server({ configDir: tempDir(), clientOptions, args: ['--sign-in-wait', '5'] });
    // The person accepts, and is slow in the browser: they sign in, but the first call runs out
    // of its wait before they approve.
    const shown = acceptDialogs(server.client, false);
    const first = server.client.callTool({ name: 'list_sites', arguments: {} });
    await vi.waitFor(() => expect(shown).toHaveLength(1), { timeout: 30_000 });
    const browser = new ScriptedBrowser();
    const signedIn = browser
      .open(shown[0]!)
      .then((page) =>
        browser.submit(page, 'login', { email: 'ada@example.com', password: SANDBOX_PASSWORD }, 'login'),
      );
    signedIn.catch(() => {});
    const firstResult = await first;
    expect(firstResult.isError).toBe(true);
    expect(text(firstResult)).toContain(shown[0]);
    // The model calls again; once that call waits, the person approves in the tab they opened.
    const waiting: string[] = [];
    const again = server.client.callTool(
      { name: 'list_sites', arguments: {} },
      { onprogress: (p) => waiting.push(p.message ?? '') },
    );
    await vi.waitFor(() => expect(waiting.join('\n')).toMatch(/Sign in to Hostsmith: waiting/), {
      timeout: 30_000,
    });
    const consent = await signedIn;
    expect((await browser.submit(consent, 'consent', {}, 'approve')).isCallback).toBe(true);
    ok(await again);
    expect(shown).toHaveLength(1);
    await server.close();
  });
});

it('2026-07-28: an answer about a sign-in that has since ended counts as no answer (requestState)', async () => {
  const server = await env.server({
    configDir: tempDir(),
    clientOptions: { ...ELICITATION, ...MODERN },
    // No call here runs out of its wait: a long one costs nothing and holds on a loaded machine.
    args: ['--sign-in-wait', '30'],
  });
  // Two calls at once get the same link. The person accepts the first dialog and denies access in
  // the browser (ending that sign-in); only then do they accept the second dialog: that answer is
  // about a link that is gone.
  const shown: string[] = [];
  let firstSettled!: Promise<unknown>;
  server.client.setRequestHandler('elicitation/create', async (request) => {
    const url = (request.params as { url?: string }).url;
    if (!url) return { action: 'decline' as const };
    const n = shown.push(url);
    if (n === 1) {
      setTimeout(() => void completeSignIn(url, { action: 'deny' }), 200);
      return { action: 'accept' as const };
    }
    if (n === 2) {
      await firstSettled;
      return { action: 'accept' as const };
    }
    setTimeout(() => void completeSignIn(url, { action: 'approve' }), 200);
    return { action: 'accept' as const };
  });
  const calls = [
    server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }),
    server.client.callTool({ name: 'list_sites', arguments: {} }),
  ];
  firstSettled = Promise.race(calls);
  const [a, b] = await Promise.all(calls);
  const denied = [a, b].filter((r) => r!.isError);
  expect(denied).toHaveLength(1);
  expect(text(denied[0]!)).toMatch(/denied access/i);
  // The stale accept did not stand for the new sign-in: its link was shown, then accepted.
  ok([a, b].find((r) => !r!.isError)!);
  expect(shown).toHaveLength(3);
  expect(shown[1]).toBe(shown[0]);
  expect(shown[2]).not.toBe(shown[0]);
  await server.close();
});
