// The headless guess end to end, for a remote machine: over SSH no browser launch is tried and
// stderr says why; an explicit BROWSER still wins, because someone chose it.
import { expect, it } from 'vitest';
import { e2e, ok, text } from '../helpers/e2e.js';
import { SCRIPTED_BROWSER, tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';

const env = await e2e();
const SSH = { SSH_CONNECTION: '203.0.113.7 52144 198.51.100.2 22', DISPLAY: ':0' };

it('over SSH no browser is launched, even with a DISPLAY, and stderr says why', async () => {
  const tabs = env.tabs();
  const server = await env.server({
    configDir: tempDir(),
    args: ['--sign-in-wait', '1'],
    env: { ...SSH, BROWSER: '' },
  });
  const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
  expect(result.isError).toBe(true);
  const link = /(http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/.exec(text(result))?.[1];
  expect(link, text(result)).toBeDefined();
  expect(server.stderr()).toContain('Not opening a browser: this is an SSH session');
  expect(server.stderr()).toContain(link!);
  expect(env.tabs()).toBe(tabs);
  // Through a tunnel (ssh -L) the person's own browser reaches the link; the next call works.
  await completeSignIn(link!, { action: 'approve' });
  ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
  await server.close();
});

it('an explicit BROWSER wins over the SSH guess', async () => {
  const tabs = env.tabs();
  const server = await env.server({ configDir: tempDir(), env: { ...SSH, BROWSER: SCRIPTED_BROWSER } });
  ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
  expect(env.tabs()).toBe(tabs + 1);
  expect(server.stderr()).not.toContain('Not opening a browser');
  await server.close();
});
