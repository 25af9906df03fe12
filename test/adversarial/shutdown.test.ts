// Shutdown, against the built server over stdio: the host closes our stdin (or sends SIGTERM)
// at the worst moments. While a refresh is in flight — the sandbox has rotated the pair and holds
// its answer 5 s — the process must wait for the rotated pair to reach the store before it
// exits: otherwise the old refresh token is spent and the new one lost, and the next start
// presents a used refresh token (which revokes the grant) and asks for a new sign-in. While a sign-in is pending, it must close its
// callback server, clear its marker and leave no lock behind. Exit 0 every time.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { type RawServer, rawServer } from '../helpers/raw-stdio.js';

// Hour-long access tokens: a refresh happens only where the test makes the stored one due, so
// each refresh counted is one the test asked for, however slow the machine.
const env = await e2e();
/** Long enough that the stop is handled while the answer is still held (the drain is exercised). */
const HOLD_MS = 5_000;
/** The raw client's name (clientInfo "raw"), so its store folder is <configDir>/raw/hostsmith. */
const CLIENT = 'raw';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StoreFile {
  credentials: Record<string, { refresh_token?: string; expires_at?: number }>;
  pending_sign_ins?: Record<string, { url: string; owner?: { url: string } }>;
}

function storeDir(configDir: string): string {
  return join(configDir, CLIENT, 'hostsmith');
}

function readStore(configDir: string): StoreFile {
  return JSON.parse(readFileSync(join(storeDir(configDir), 'oauth.json'), 'utf8')) as StoreFile;
}

/** Marks the stored access token expired a minute ago, so the next call refreshes first. */
function makeDue(configDir: string): void {
  const content = readStore(configDir);
  for (const credential of Object.values(content.credentials))
    credential.expires_at = Math.floor(Date.now() / 1000) - 60;
  writeFileSync(join(storeDir(configDir), 'oauth.json'), JSON.stringify(content));
}

function storedRefreshToken(configDir: string): string | undefined {
  return Object.values(readStore(configDir).credentials)[0]?.refresh_token;
}

function totalRefreshes(): number {
  return Object.values(env.sandbox.window.refreshCounts()).reduce((a, b) => a + b, 0);
}

/** Polls `probe` until it returns something (bounded: 200 looks). */
async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Whether something still listens on a loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function opened(configDir: string, args: string[] = []): Promise<RawServer> {
  const server = rawServer({ api: env.sandbox.api, configDir, args });
  await server.initialize();
  return server;
}

function callTool(server: RawServer, id: number, name: string, args: Record<string, unknown>): Promise<void> {
  return server.write(
    `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })}\n`,
  );
}

const stop = (server: RawServer, how: 'stdin end' | 'SIGTERM') =>
  how === 'stdin end' ? server.end() : server.kill('SIGTERM');

describe.each(['stdin end', 'SIGTERM'] as const)('shutdown on %s', (how) => {
  it('waits for a refresh under way to write the rotated pair, then exits 0; the grant lives on', async () => {
    const configDir = tempDir();
    const first = await env.server({ configDir, clientName: CLIENT });
    ok(await first.client.callTool({ name: 'get_account', arguments: { partition: 'us' } }));
    await first.close();
    const tabs = env.tabs();
    const spent = storedRefreshToken(configDir);
    expect(spent).toBeTruthy();
    makeDue(configDir); // the next call refreshes

    const before = totalRefreshes();
    env.sandbox.window.injectFault({ server: 'issuer', kind: 'hold', ms: HOLD_MS, pathPrefix: '/token' });
    const server = await opened(configDir);
    await callTool(server, 1, 'list_sites', { partition: 'us' });
    // The fault is used up when the token request arrives: the refresh is now in flight, and the
    // sandbox rotates at once while the answer waits. (The poll's timer is due before the hold's,
    // so the stop always goes out while the answer is held.)
    await until('the token request', () => (env.sandbox.window.faults().length === 0 ? true : undefined));
    expect(await stop(server, how)).toEqual({ code: 0, signal: null });

    // The sandbox rotated, and the new pair reached the store before the process went.
    expect(totalRefreshes()).toBe(before + 1);
    const rotated = storedRefreshToken(configDir);
    expect(rotated).toBeTruthy();
    // Compared, never printed: a failure message must not carry a token.
    expect(rotated === spent, 'the stored refresh token is still the spent one').toBe(false);
    expect(existsSync(join(storeDir(configDir), 'oauth.json.lock'))).toBe(false);

    // The next process refreshes with the stored (new) refresh token: no sign-in, grant alive.
    makeDue(configDir);
    const next = await env.server({ configDir, clientName: CLIENT });
    ok(await next.client.callTool({ name: 'list_sites', arguments: { partition: 'us' } }));
    expect(totalRefreshes()).toBe(before + 2);
    expect(env.tabs()).toBe(tabs);
    await next.close();
  });

  it('with a sign-in pending: closes the callback server, clears the marker, leaves no lock, exits 0', async () => {
    const configDir = tempDir();
    const server = await opened(configDir, ['--no-browser']);
    await callTool(server, 1, 'get_account', { partition: 'us' });
    const marker = await until('the pending sign-in marker', () => {
      if (!existsSync(join(storeDir(configDir), 'oauth.json'))) return undefined;
      return Object.values(readStore(configDir).pending_sign_ins ?? {})[0];
    });
    const port = Number(new URL(marker.owner?.url ?? marker.url).port);
    expect(await listening(port)).toBe(true);

    expect(await stop(server, how)).toEqual({ code: 0, signal: null });
    expect(readStore(configDir).pending_sign_ins ?? {}).toEqual({});
    expect(await listening(port)).toBe(false);
    expect(existsSync(join(storeDir(configDir), 'oauth.json.lock'))).toBe(false);
  });
});
