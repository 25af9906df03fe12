// The whole sign-in in a real browser: Debian's Chromium, driven by playwright-core, is the
// person's browser. The server hands it the link (BROWSER), the person signs in on the sandbox's
// real pages and approves or denies, and lands on our callback page. Screenshots of each page go
// to test-output/ (and, with UPDATE_DOCS=1, to docs/ for the README).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_PASSWORD } from '../../sandbox/users.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'test-output');
const DOCS = join(ROOT, 'docs');

const env = await e2e({ autoApprove: false });
let browser: Browser;

beforeAll(async () => {
  expect(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`,
  ).toBe(true);
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

async function shot(page: Page, name: string) {
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  // The README's pictures are refreshed on request only, so a test run leaves git clean.
  if (process.env.UPDATE_DOCS === '1') copyFileSync(file, join(DOCS, `${name}.png`));
}

/** Waits for the server to hand a URL to BROWSER. */
async function handedUrl(file: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) {
      const url = readFileSync(file, 'utf8').trim().split('\n')[0];
      if (url) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the server never launched the browser');
}

async function signInWithChromium(action: 'approve' | 'deny', prefix: string) {
  const configDir = tempDir();
  const handoff = join(configDir, 'handoff.txt');
  const server = await env.server({
    configDir,
    env: {
      BROWSER: `${process.execPath} ${join(ROOT, 'test/helpers/handoff-browser.mjs')}`,
      HANDOFF_FILE: handoff,
    },
  });
  const call = server.client.callTool({ name: 'get_account', arguments: {} });
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  await page.goto(await handedUrl(handoff));
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
