// Store damage, from the outside: the built server over stdio with the official MCP client, the
// sandbox over HTTP. oauth.json truncated, of the wrong types, of an unknown version, empty; a
// symlink as oauth.json (to a store file, and to a file that is none) or as the hostsmith folder;
// mode 0644; a config folder the server may not write. Each gets a clear stderr line and a safe
// outcome — signed out and signed in again, or refused in words — never a crash, never a write
// through a link. Root ignores modes and CI runs as root, so the unwritable folder is tried with
// the server running as `nobody` (setpriv); where that cannot be done, the test fails.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { asNobody, readableRoot } from '../helpers/as-nobody.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { type RunningServer, tempDir } from '../helpers/mcp-server.js';

const env = await e2e();

const paths = (configDir: string) => {
  const dir = join(configDir, 'hostsmith-e2e/hostsmith');
  return { dir, file: join(dir, 'oauth.json') };
};

const getAccount = (server: RunningServer) => server.client.callTool({ name: 'get_account', arguments: {} });

/** The server is still there and answering. */
async function alive(server: RunningServer) {
  const { tools } = await server.client.listTools();
  expect(tools.length).toBeGreaterThan(0);
}

/** A config folder with a real signed-in store in it. */
async function signedIn(): Promise<string> {
  const configDir = tempDir('store-damage-');
  const server = await env.server({ configDir });
  ok(await getAccount(server));
  await server.close();
  return configDir;
}

const good = readFileSync(paths(await signedIn()).file, 'utf8');

describe('a damaged oauth.json', () => {
  it.each([
    ['truncated JSON', good.slice(0, Math.floor(good.length / 2))],
    ['wrong types', good.replace(/"expires_at": \d+/, '"expires_at": "soon"')],
    ['an unknown version', good.replace('"version": 1', '"version": 7')],
    ['0 bytes', ''],
  ])('%s: set aside with a stderr line, then a new sign-in; never a crash', async (_what, damaged) => {
    expect(damaged).not.toBe(good);
    const configDir = tempDir('store-damage-');
    const { dir, file } = paths(configDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, damaged, { mode: 0o600 });
    const tabs = env.tabs();
    const server = await env.server({ configDir });
    ok(await getAccount(server));
    expect(env.tabs()).toBe(tabs + 1); // signed out, so signed in again
    expect(server.stderr()).toContain(`${file} was corrupt or in an unknown format; it was set aside as`);
    const aside = readdirSync(dir).filter((f) => f.startsWith('oauth.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(damaged); // kept for the person to look at
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await alive(server);
    await server.close();
  });
});

describe('a symlink where the store keeps its own', () => {
  it.each([
    ['oauth.json → a store file elsewhere', 'file', good],
    ['oauth.json → a file that is no store (like /etc/hostname)', 'file', 'myhost\n'],
    ['the hostsmith folder → a folder elsewhere', 'folder', undefined],
  ] as const)('%s: refused in words, the target never written nor its mode changed', async (_what, kind, content) => {
    const configDir = tempDir('store-damage-');
    const { dir, file } = paths(configDir);
    const elsewhere = tempDir('store-damage-target-');
    const target = kind === 'folder' ? elsewhere : join(elsewhere, 'target');
    if (content !== undefined) writeFileSync(target, content);
    chmodSync(target, kind === 'folder' ? 0o755 : 0o644);
    const link = kind === 'folder' ? dir : file;
    mkdirSync(join(link, '..'), { recursive: true, mode: 0o700 });
    symlinkSync(target, link);
    const tabs = env.tabs();

    const server = await env.server({ configDir });
    const result = (await getAccount(server)) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`${link} is a symbolic link (to ${target})`);
    expect(text(result)).toMatch(/Remove the link/);
    // One line for the one failure.
    expect(
      server
        .stderr()
        .split('\n')
        .filter((l) => l.includes(`${link} is a symbolic link`)),
    ).toHaveLength(1);
    expect(env.tabs()).toBe(tabs); // no sign-in started on a store it will not use
    await alive(server);
    await server.close();

    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(kind === 'folder' ? 0o755 : 0o644);
    if (content !== undefined) expect(readFileSync(target, 'utf8')).toBe(content);
    else expect(readdirSync(target)).toEqual([]);
  });
});

describe('modes', () => {
  it('oauth.json at 0644 in a 0755 folder: used, corrected to 0600/0700, said once', async () => {
    const configDir = await signedIn();
    const { dir, file } = paths(configDir);
    chmodSync(file, 0o644);
    chmodSync(dir, 0o755);
    const tabs = env.tabs();
    const server = await env.server({ configDir });
    ok(await getAccount(server));
    ok(await getAccount(server));
    expect(env.tabs()).toBe(tabs); // the sign-in in it was used
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const said = server.stderr().split('\n');
    expect(said.filter((l) => l.includes(`${file} had mode 0644`) && l.includes('now 0600'))).toHaveLength(1);
    expect(said.filter((l) => l.includes(`${dir} had mode 0755`) && l.includes('now 0700'))).toHaveLength(1);
    await server.close();
  });
});

describe('a config folder the server may not write', () => {
  it('as nobody: the tool error and stderr say which folder and what to do; no crash', async () => {
    // Root's folder, 0755: nobody may enter it but not create the client folder in it.
    const configDir = tempDir('store-damage-');
    chmodSync(configDir, 0o755);
    const root = process.getuid?.() === 0;
    const server = await env
      .server({
        configDir,
        ...(root ? { runUnder: asNobody(), bin: join(readableRoot(), 'bin/hostsmith-mcp.js') } : {}),
      })
      .catch((error: unknown) => {
        throw new Error(
          `Could not start the server as an unprivileged user: ${String(error)}. This test needs setpriv (util-linux) when run as root; it does not skip.`,
        );
      });
    const result = (await getAccount(server)) as CallToolResult;
    expect(result.isError).toBe(true);
    const { dir } = paths(configDir);
    expect(text(result)).toContain(`Cannot create the folder ${dir}: the system denies permission (EACCES)`);
    expect(text(result)).toMatch(/--config-dir/);
    expect(text(result)).not.toMatch(/^EACCES/);
    expect(
      server
        .stderr()
        .split('\n')
        .filter((l) => l.includes(`Cannot create the folder ${dir}`)),
    ).toHaveLength(1);
    await alive(server);
    await server.close();
    expect(readdirSync(configDir).filter((f) => f !== 'browser.log')).toEqual([]);
  });
});
