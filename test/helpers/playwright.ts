// Debian's Chromium under playwright-core, as the person's browser in real-browser tests, and
// the BROWSER command that hands the server's link to it (test/helpers/handoff-browser.mjs).
//
//   const browser = await launchChromium();          // fails, naming the package, without it
//   const server = await env.server({ configDir, env: handoffBrowser(configDir) });
//   await page.goto(await handedUrl(configDir));
//   await shot(page, 'chromium-approve-1-sign-in');   // test-output/ (and docs/ with UPDATE_DOCS=1)
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './mcp-server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const TEST_OUTPUT = join(ROOT, 'test-output');
const DOCS = join(ROOT, 'docs');

/** A fresh headless Chromium (playwright's own temporary profile); never skipped when missing. */
export async function launchChromium(): Promise<Browser> {
  expect(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`,
  ).toBe(true);
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine may have no internet: nothing may phone home or wait for it.
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
}

/** A screenshot into test-output/; with UPDATE_DOCS=1 also into docs/ (so a run leaves git clean). */
export async function shot(page: Page, name: string): Promise<void> {
  const file = join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_DOCS === '1') copyFileSync(file, join(DOCS, `${name}.png`));
}

/** The BROWSER environment that hands each URL to the test through a file in `dir`. */
export function handoffBrowser(dir: string): Record<string, string> {
  return {
    BROWSER: `${process.execPath} ${join(ROOT, 'test/helpers/handoff-browser.mjs')}`,
    HANDOFF_FILE: join(dir, 'handoff.txt'),
  };
}

/** The first URL the server handed to the handoff BROWSER in `dir`. */
export async function handedUrl(dir: string): Promise<string> {
  const file = join(dir, 'handoff.txt');
  // A hang guard: the server and the handoff browser (a node process) start slowly when loaded.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const url = readFileSync(file, 'utf8').trim().split('\n')[0];
      if (url) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the server never launched the browser');
}
