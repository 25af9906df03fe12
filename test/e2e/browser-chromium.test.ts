// The whole sign-in in a real browser: Debian's Chromium, driven by playwright-core, is the
// person's browser. The server hands it the link (BROWSER), the person signs in on the sandbox's
// real pages and approves or denies, and lands on our callback page. Screenshots of each page go
// to test-output/ (and, with UPDATE_DOCS=1, to docs/ for the README).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_PASSWORD } from '../../sandbox/users.js';
import { e2e, ok, text } from '../helpers/e2e.js';
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

async function signInWithChromium(action: 'approve' | 'deny', prefix: string) {
  const configDir = tempDir();
  const server = await env.server({ configDir, env: handoffBrowser(configDir) });
  const call = server.client.callTool({ name: 'get_account', arguments: {} });
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  await page.goto(await handedUrl(configDir));
  await page.waitForSelector('form#login');
  await page.fill('input[name=email]', 'lin@example.com');
  await page.fill('input[name=password]', SANDBOX_PASSWORD);
  await shot(page, `${prefix}1-sign-in`);
  await page.click('button[name=login]');
  await page.waitForSelector('form#consent');
  await shot(page, `${prefix}2-consent`);
  await page.click(`form#consent button[name=${action}]`);
  await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
  await page.waitForSelector('h1');
  await shot(page, `${prefix}3-callback`);
  const heading = await page.textContent('h1');
  const body = await page.textContent('main');
  const result = await call;
  await context.close();
  await server.close();
  return { heading, body, result };
}

describe('a real browser (Chromium)', () => {
  it('signs in on the real pages, approves, and lands on our callback page', async () => {
    const { heading, body, result } = await signInWithChromium('approve', 'chromium-approve-');
    expect(heading).toBe('Signed in');
    expect(body).toContain('lin@example.com');
    const account = ok<{ user: { email: string } }>(result);
    expect(account.user.email).toBe('lin@example.com');
  });

  it('Deny shows the denial page, and the tool call ends with a clear error', async () => {
    const { heading, result } = await signInWithChromium('deny', 'chromium-deny-');
    expect(heading).toBe('Sign-in cancelled');
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/denied/i);
  });
});
