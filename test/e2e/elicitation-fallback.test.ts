// URL elicitation on a 2025-11-25 connection, beyond accept and decline: progress while the
// person reads the dialog, and a client that declared the capability but fails to show the link.
import { describe, expect, it, vi } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();
const ELICITATION = { capabilities: { elicitation: { url: {} } } };
const START_LINK = /(http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/;

/** A hang guard only: on a loaded machine the progress notice can take seconds to arrive. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  await vi.waitFor(() => expect(check(), what).toBe(true), { timeout: 30_000, interval: 20 });
}

describe('URL elicitation on a 2025-11-25 connection', () => {
  it('reports progress while the dialog is open, then while the browser sign-in runs', async () => {
    const server = await env.server({ configDir: tempDir(), clientOptions: ELICITATION });
    // onprogress asks for progress; what the server sent is read off the wire (see progressSent).
    const updates = () => server.progressSent().map((p) => p.message ?? '');
    let beforeAnswer: string[] = [];
    server.client.setRequestHandler('elicitation/create', async (request) => {
      const url = (request.params as { url?: string }).url;
      if (!url) return { action: 'decline' as const };
      // A person takes a moment to read the dialog; the server has already said what it waits for.
      await eventually(() => updates().length > 0, 'progress before the answer');
      beforeAnswer = updates();
      void completeSignIn(url, { action: 'approve' });
      return { action: 'accept' as const };
    });
    ok(
      await server.client.callTool(
        { name: 'get_account', arguments: { partition: 'us' } },
        { onprogress: () => {} },
      ),
    );
    expect(beforeAnswer[0]).toBe('Sign in to Hostsmith: waiting for you to open the sign-in link');
    expect(
      updates()
        .slice(beforeAnswer.length)
        .some((m) => /approve in the browser/.test(m)),
    ).toBe(true);
    await server.close();
  });

  it('a client that fails to show the link: the call ends with the link, and it still works', async () => {
    const tabs = env.tabs();
    const server = await env.server({
      configDir: tempDir(),
      clientOptions: ELICITATION,
      args: ['--sign-in-wait', '1'],
    });
    server.client.setRequestHandler('elicitation/create', async () => {
      throw new Error('this client cannot open links today');
    });
    const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
    expect(result.isError).toBe(true);
    const link = START_LINK.exec(text(result))?.[1];
    expect(link, text(result)).toBeDefined();
    expect(server.stderr()).toMatch(/The client could not show the sign-in link/);
    // The sign-in was started for a client that shows links itself: no tab of ours.
    env.expectNoBrowser(server.pid, tabs);
    // The person opens the link from the tool result; the next call finds them signed in.
    await completeSignIn(link!, { action: 'approve' });
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    await server.close();
  });
});
