// Our callback pages for the ways a sign-in goes wrong, in a real browser (Debian's Chromium),
// while a sign-in waits: the start link opened a second time, a callback with the wrong state,
// and a callback from a browser that did not open the link (the phishing rule). None of them
// ends the wait: the person who opened the link still finishes. Screenshots in test-output/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SANDBOX_PASSWORD } from '../../sandbox/users.js';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { handedUrl, handoffBrowser, launchChromium, shot } from '../helpers/playwright.js';

const env = await e2e({ autoApprove: false });
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh profile: its own cookies, as another person's browser would have. */
async function profile(): Promise<{ context: BrowserContext; page: Page; visited: string[] }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
  const page = await context.newPage();
  const visited: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest()) visited.push(request.url());
  });
  return { context, page, visited };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.waitForSelector('form#login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', SANDBOX_PASSWORD);
  await page.click('button[name=login]');
  await page.waitForSelector('form#consent');
  await page.click('form#consent button[name=approve]');
  await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
}

it('shows the link-used, wrong-state and wrong-browser pages, and the wait goes on', async () => {
  const configDir = tempDir();
  const server = await env.server({ configDir, env: handoffBrowser(configDir) });
  const call = server.client.callTool({ name: 'get_account', arguments: {} });
  call.catch(() => {}); // awaited below; a failure before must not be unhandled
  const link = await handedUrl(configDir);

  const person = await profile();
  await person.page.goto(link);
  await person.page.waitForSelector('form#login');
  const authorizationUrl = person.visited[person.visited.indexOf(link) + 1];
  expect(authorizationUrl, 'the start link redirects to the authorization server').toBeDefined();

  const other = await profile();
  const again = await other.page.goto(link);
  expect(again?.status()).toBe(410);
  expect(await other.page.textContent('h1')).toBe('This sign-in link was already used');
  await shot(other.page, 'chromium-page-link-used');

  const stray = await other.page.goto(`${new URL(link).origin}/callback?code=made-up&state=not-ours`);
  expect(stray?.status()).toBe(400);
  expect(await other.page.textContent('h1')).toBe('This sign-in does not match');
  await shot(other.page, 'chromium-page-wrong-state');

  // Someone else approves the same authorization request with their own account: the callback
  // carries the right state, but not the cookie of the browser that opened the link.
  await other.page.goto(authorizationUrl!);
  await signIn(other.page, 'ada@example.com');
  expect(await other.page.textContent('h1')).toBe('Finish in the browser where you started');
  await shot(other.page, 'chromium-page-wrong-browser');

  await signIn(person.page, 'lin@example.com');
  expect(await person.page.textContent('h1')).toBe('Signed in');
  expect(ok<{ user: { email: string } }>(await call).user.email).toBe('lin@example.com');
  await Promise.all([person.context.close(), other.context.close()]);
  await server.close();
});
