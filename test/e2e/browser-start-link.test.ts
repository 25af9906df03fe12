// The one-time start link (`http://127.0.0.1:<port>/start/<id>`) that every place showing the
// sign-in hands out: it works once, it binds the browser that opened it (a cookie the callback
// checks), and two sign-ins waiting at once in one browser do not disturb each other's binding.
// The "browser" is the scripted one: cookies per host, shared across ports, as real browsers do.
import { describe, expect, it, vi } from 'vitest';
import { SANDBOX_PASSWORD } from '../../sandbox/users.js';
import { e2e, ok } from '../helpers/e2e.js';
import type { RunningServer } from '../helpers/mcp-server.js';
import { tempDir } from '../helpers/mcp-server.js';
import { completeSignIn, type Page, ScriptedBrowser } from '../helpers/scripted-browser.js';

// Real sign-in and consent pages, so a browser can stop half-way.
const env = await e2e({ autoApprove: false });
const START_LINK = /(http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]+)/;

/** A server that launches nothing (--no-browser), and the call waiting on its sign-in. */
async function waitingSignIn(clientName: string) {
  const server = await env.server({ configDir: tempDir(), clientName, args: ['--no-browser'] });
  const call = server.client.callTool({ name: 'get_account', arguments: { partition: 'us' } });
  // A failing test closes the server under the call: that must surface here, not as unhandled.
  call.catch(() => {});
  const link = await linkOn(server);
  return { server, call, link };
}

// Both waits are hang guards: on a loaded machine a server can take seconds to get there.
function linkOn(server: RunningServer): Promise<string> {
  return vi.waitFor(
    () => {
      const link = START_LINK.exec(server.stderr())?.[1];
      if (!link) throw new Error(`no start link on stderr:\n${server.stderr()}`);
      return link;
    },
    { timeout: 30_000, interval: 50 },
  );
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  await vi.waitFor(() => expect(check(), what).toBe(true), { timeout: 30_000, interval: 50 });
}

/** The authorization URL the start link redirected `browser` to (it is no secret). */
function authorizationUrlAfter(browser: ScriptedBrowser, link: string): string {
  const url = browser.visited[browser.visited.lastIndexOf(link) + 1];
  expect(url, `${link} did not redirect`).toBeDefined();
  return url as string;
}

/** From the sandbox's sign-in page through consent to our callback. */
async function signInAndApprove(browser: ScriptedBrowser, page: Page, email: string): Promise<Page> {
  expect(page.body, `expected the sign-in page at ${page.url}`).toContain('id="login"');
  const consent = await browser.submit(page, 'login', { email, password: SANDBOX_PASSWORD }, 'login');
  return browser.submit(consent, 'consent', {}, 'approve');
}

describe('the one-time start link', () => {
  it('works once: a second visit, while the sign-in still waits, is sent back to the first tab', async () => {
    const { server, call, link } = await waitingSignIn('start-once');
    const person = new ScriptedBrowser();
    const signInPage = await person.open(link);

    const again = await new ScriptedBrowser().open(link);
    expect(again.url).toBe(link);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This sign-in link was already used');
    expect(again.body).toContain('Finish signing in in the tab it opened');
    // The same browser cannot reopen it either: one use is one use.
    expect((await person.open(link)).status).toBe(410);

    // Neither visit ended the wait: the person who opened it first finishes.
    const callback = await signInAndApprove(person, signInPage, 'lin@example.com');
    expect(callback.status).toBe(200);
    expect(callback.body).toContain('lin@example.com');
    const account = ok<{ user: { email: string } }>(await call);
    expect(account.user.email).toBe('lin@example.com');
    await server.close();
  });

  it('binds the browser that opened it: a callback from another browser is refused, the wait goes on', async () => {
    const { server, call, link } = await waitingSignIn('start-bound');
    const person = new ScriptedBrowser();
    const signInPage = await person.open(link);
    // Someone else goes straight to the authorization URL behind the link (it is no secret)
    // and approves with their own account: our callback refuses it without the binding cookie.
    const intruder = new ScriptedBrowser();
    const refused = await completeSignIn(authorizationUrlAfter(person, link), {
      browser: intruder,
      email: 'ada@example.com',
    });
    expect(refused.isCallback).toBe(true);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Finish in the browser where you started');
    await eventually(
      () => /did not open the sign-in link/.test(server.stderr()),
      'stderr says why the callback was refused',
    );

    const callback = await signInAndApprove(person, signInPage, 'lin@example.com');
    expect(callback.status).toBe(200);
    const account = ok<{ user: { email: string } }>(await call);
    expect(account.user.email).toBe('lin@example.com');
    await server.close();
  });

  it('two sign-ins waiting at once in one browser each keep their own binding', async () => {
    // Two MCP clients (two credential folders) both need a sign-in; the person opens both links
    // in the same browser before finishing either. Cookies ignore ports, so one binding must
    // not overwrite the other.
    const first = await waitingSignIn('client-one');
    const second = await waitingSignIn('client-two');
    expect(new URL(first.link).port).not.toBe(new URL(second.link).port);
    const person = new ScriptedBrowser();
    await person.open(first.link);
    await person.open(second.link);
    // Then finishes both, the first one opened first (its binding was set before the second's).
    for (const { link } of [first, second]) {
      const callback = await completeSignIn(authorizationUrlAfter(person, link), {
        browser: person,
        email: 'lin@example.com',
      });
      expect(callback.body).toContain('Signed in');
      expect(callback.status).toBe(200);
    }
    expect(ok<{ user: { email: string } }>(await first.call).user.email).toBe('lin@example.com');
    expect(ok<{ user: { email: string } }>(await second.call).user.email).toBe('lin@example.com');
    await Promise.all([first.server.close(), second.server.close()]);
  });
});
