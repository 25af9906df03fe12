// Progress on a 2026-07-28 connection: the tool call that waits for the person reports the step
// at once, with and without URL elicitation (there the client's retry is the call that waits).
import { expect, it } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();
const MODERN = { versionNegotiation: { mode: 'auto' as const } };

it('without URL elicitation: progress while the browser sign-in waits', async () => {
  const server = await env.server({
    configDir: tempDir(),
    clientOptions: MODERN,
    env: { SCRIPTED_BROWSER_DELAY_MS: '500' },
  });
  expect(server.client.getProtocolEra()).toBe('modern');
  // onprogress asks for progress; what the server sent is read off the wire (see progressSent).
  ok(
    await server.client.callTool(
      { name: 'get_account', arguments: { partition: 'us' } },
      { onprogress: () => {} },
    ),
  );
  const updates = server.progressSent().map((p) => p.message ?? '');
  expect(updates[0]).toBe('Sign in to Hostsmith: waiting for you to approve in the browser');
  await server.close();
});

it('with URL elicitation: the retried call reports progress while the person signs in', async () => {
  const server = await env.server({
    configDir: tempDir(),
    clientOptions: { ...MODERN, capabilities: { elicitation: { url: {} } } },
  });
  expect(server.client.getProtocolEra()).toBe('modern');
  server.client.setRequestHandler('elicitation/create', async (request) => {
    const url = (request.params as { url?: string }).url;
    if (!url) return { action: 'decline' as const };
    // The person takes a moment in the browser after accepting.
    setTimeout(() => void completeSignIn(url, { action: 'approve' }), 300);
    return { action: 'accept' as const };
  });
  // onprogress asks for progress; what the server sent is read off the wire (see progressSent).
  ok(
    await server.client.callTool(
      { name: 'get_account', arguments: { partition: 'us' } },
      { onprogress: () => {} },
    ),
  );
  const updates = server.progressSent().map((p) => p.message ?? '');
  expect(updates).toContain('Sign in to Hostsmith: waiting for you to approve in the browser');
  await server.close();
});
