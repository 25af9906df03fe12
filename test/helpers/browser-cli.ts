// The scripted browser as a command, for the product's BROWSER variable in end-to-end tests:
//
//   BROWSER="node --import tsx /abs/path/test/helpers/browser-cli.ts"   (the URL is appended)
//
// It travels the URL like a person would: signs in, then approves or denies at the consent page
// (nothing to press with auto-approve), and stops after the client's loopback /callback answered.
// Environment:
//   SCRIPTED_BROWSER_ACTION    approve (default) | deny | ignore (open no page at all, like a closed tab)
//   SCRIPTED_BROWSER_EMAIL     who signs in (default ada@example.com); the password is the sandbox's
//   SCRIPTED_BROWSER_DELAY_MS  wait this long before acting (default 0)
//   SCRIPTED_BROWSER_LOG       append one JSON line per URL opened: {"url","action","pid","at"}
//                              — one line per browser tab, written before acting
//   HTTPS_PROXY, HTTP_PROXY, NO_PROXY (any case): honoured as a browser set to the system proxy
//                              would, loopback (the client's callback) never proxied
// Exit status: 0 when the callback answered (or the action is ignore), 1 otherwise (reason on
// stderr). The whole run is capped at 30 seconds, so it always exits soon.
import { appendFileSync } from 'node:fs';
import { createDispatcher } from '../../src/net/dispatcher.js';
import { completeSignIn, ScriptedBrowser } from './scripted-browser.js';

const ACTIONS = ['approve', 'deny', 'ignore'] as const;
type Action = (typeof ACTIONS)[number];
const TIME_LIMIT_MS = 30_000;

function fail(message: string): never {
  process.stderr.write(`scripted-browser: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url || process.argv.length > 3) fail('usage: browser-cli.ts <url>');
  const rawAction = process.env.SCRIPTED_BROWSER_ACTION || 'approve';
  if (!ACTIONS.includes(rawAction as Action))
    fail(`SCRIPTED_BROWSER_ACTION must be one of ${ACTIONS.join(', ')}`);
  const action = rawAction as Action;
  const delay = Number(process.env.SCRIPTED_BROWSER_DELAY_MS || '0');
  if (!Number.isFinite(delay) || delay < 0) fail('SCRIPTED_BROWSER_DELAY_MS must be a number >= 0');

  const log = process.env.SCRIPTED_BROWSER_LOG;
  if (log) {
    appendFileSync(
      log,
      `${JSON.stringify({ url, action, pid: process.pid, at: new Date().toISOString() })}\n`,
    );
  }
  if (action === 'ignore') return;
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  const proxied = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((k) => process.env[k]);
  const browser = new ScriptedBrowser(proxied ? { dispatcher: createDispatcher({ timeoutMs: 10_000 }) } : {});
  const callback = await completeSignIn(url, {
    browser,
    action,
    email: process.env.SCRIPTED_BROWSER_EMAIL || 'ada@example.com',
  });
  if (callback.status >= 400) fail(`the callback answered ${callback.status}`);
}

setTimeout(() => fail(`gave up after ${TIME_LIMIT_MS} ms`), TIME_LIMIT_MS).unref();
main().then(
  () => process.exit(0),
  (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
);
