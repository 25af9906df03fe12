// The credentials file where the product says it is, on a simulated Mac: the built server with
// process.platform faked to 'darwin' before it loads, HOME a fresh folder and no XDG_CONFIG_HOME,
// signs in against the sandbox through the real loopback callback and writes
// $HOME/.config/<client>/hostsmith/oauth.json (not ~/Library/Preferences, as env-paths had it).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { ROOT, tempDir } from '../helpers/mcp-server.js';

const FAKE_DARWIN = pathToFileURL(join(ROOT, 'test/helpers/fake-darwin.mjs')).href;
const env = await e2e();

describe('on macOS (simulated)', () => {
  it('the preload really makes the program see darwin', () => {
    const seen = execFileSync(process.execPath, ['--import', FAKE_DARWIN, '-p', 'process.platform'], {
      encoding: 'utf8',
    });
    expect(seen.trim()).toBe('darwin');
  });

  it('signs in and keeps the credentials in $HOME/.config/x/hostsmith/oauth.json, mode 0600', async () => {
    const home = tempDir('hostsmith-darwin-home-');
    const server = await env.server({
      configDir: home, // becomes HOME
      nodeArgs: ['--import', FAKE_DARWIN],
      args: ['--client', 'x'],
      // No --config-dir: the default root is the one under test. XDG_CONFIG_HOME is not passed
      // (the SDK client hands a child only HOME, PATH and a few others).
      env: { HOSTSMITH_MCP_CONFIG_DIR: '' },
    });
    const tabs = env.tabs();
    const account = ok<{ user: { email: string } }>(
      await server.client.callTool({ name: 'get_account', arguments: {} }),
    );
    expect(account.user.email).toBe('ada@example.com');
    expect(env.tabs()).toBe(tabs + 1); // a real sign-in, through the scripted browser
    await server.close();

    const file = join(home, '.config/x/hostsmith/oauth.json');
    expect(existsSync(file), `no ${file}`).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      credentials: Record<string, { storage: string }>;
    };
    expect(stored.credentials[env.sandbox.api]?.storage).toBe('file');
    expect(existsSync(join(home, 'Library'))).toBe(false);
  });
});
