// What the real-host tests share besides running the host: a `login` ahead of time in the
// host's throw-away HOME, the server's entry variables, and the not-signed-in sign-in the model
// sees through the tool result. Each host's file keeps only its own config and habits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { E2E } from '../helpers/e2e.js';
import { SCRIPTED_BROWSER, tempDir } from '../helpers/mcp-server.js';
import { completeSignIn } from '../helpers/scripted-browser.js';
import { secretToolLookup } from '../keychain/keychain.js';
import { runCli, show as showCli } from '../keychain/run-cli.js';
import { type ListSitesScript, listSitesScript } from './run-host.js';

/** The sandbox's sites of ada@example.com, in both partitions. */
export const SITES = ['ada-portfolio', 'ada-notes', 'ada-eu-mirror'];

/** The session bus, for a keychain sign-in the server must reach. */
export const sessionBus = () => ({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '' });

/**
 * `hostsmith-mcp login --client <client>` in a new HOME, as a person would in a terminal before
 * starting the host there: returns that HOME.
 */
export async function loginInNewHome(
  env: E2E,
  opts: { prefix: string; client: string; storage: 'file' | 'keychain' },
): Promise<string> {
  const home = tempDir(opts.prefix);
  const bus = opts.storage === 'keychain' ? sessionBus() : {};
  const login = await runCli(['login', '--client', opts.client, '--storage', opts.storage], {
    api: env.sandbox.api,
    configDir: join(home, '.config'),
    env: { HOME: home, SCRIPTED_BROWSER_LOG: env.browserLog, ...bus },
  });
  expect(login.code, showCli(login)).toBe(0);
  if (opts.storage === 'keychain') {
    expect(await secretToolLookup(`${opts.client}|${env.sandbox.api}`)).toBeDefined();
  }
  return home;
}

/** The variables of the server's entry in the host's config (README: settings go there). */
export function serverEntryEnv(env: E2E, tapLog: string, extra: Record<string, string> = {}) {
  return {
    HOSTSMITH_API_URL: env.sandbox.api,
    BROWSER: SCRIPTED_BROWSER,
    SCRIPTED_BROWSER_LOG: env.browserLog,
    HOSTSMITH_TAP_LOG: tapLog,
    ...extra,
  };
}

/** The server args and env for a first sign-in whose browser tab the person gets to late. */
export const SIGN_IN_THROUGH_RESULT = {
  serverArgs: ['--storage', 'file', '--sign-in-wait', '1'],
  // The tab is logged and left alone: the person gets to it only once the model has the link.
  serverEnv: { SCRIPTED_BROWSER_ACTION: 'ignore' },
};

export interface SignInScript extends ListSitesScript {
  /** The sign-in links the model saw, each finished by the person when seen. */
  links: string[];
}

/** The model calls list_sites; when the result carries the link, the person signs in there. */
export function signInScript(name: (tool: string) => string): SignInScript {
  const links: string[] = [];
  const { script, results } = listSitesScript({
    name,
    signIn: async (link) => {
      links.push(link);
      await completeSignIn(link, { action: 'approve' });
    },
  });
  return { script, results, links };
}

/**
 * After a not-signed-in session: the first result carried the link (which our browser was
 * also given), the second, after the person signed in, the sites.
 */
export async function expectSignedInThroughResult(env: E2E, seen: SignInScript, tabsBefore: number) {
  expect(seen.results).toHaveLength(2);
  expect(seen.links).toHaveLength(1);
  expect(seen.results[0]).toMatch(/waiting for the user.*call this tool again/i);
  await env.tabsLogged(tabsBefore + 1);
  expect(readFileSync(env.browserLog, 'utf8')).toContain(seen.links[0]);
  for (const site of SITES) expect(seen.results[1]).toContain(site);
}

/** A signed-in session's one list_sites result lists the sites, and no browser was opened. */
export function expectSitesListed(env: E2E, results: string[], tabsBefore: number) {
  expect(results).toHaveLength(1);
  for (const site of SITES) expect(results[0]).toContain(site);
  expect(env.tabs()).toBe(tabsBefore);
}
