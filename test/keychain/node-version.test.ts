// Which Node the built server runs on. The test command runs the end-to-end files again under
// Node 22 and 24 (scripts/test-node-versions.ts sets HOSTSMITH_TEST_NODE_VERSION): this file makes
// sure the server really ran on that Node, and that the native keychain module (@napi-rs/keyring,
// loaded by the server's keychain helper, started with the server's own Node) keeps a sign-in
// there. In the whole suite it checks the same against the Node the suite runs on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { e2e, ok } from '../helpers/e2e.js';
import { tempDir } from '../helpers/mcp-server.js';
import { requireKeychain, secretToolLookup } from './keychain.js';

const expected = process.env.HOSTSMITH_TEST_NODE_VERSION ?? process.version;
/** A preload that names the server process's Node on its stderr, before the program starts. */
const PRINT_VERSION = `data:text/javascript,${encodeURIComponent(
  "process.stderr.write('hostsmith-test node ' + process.version + '\\n');",
)}`;
const env = await e2e();

beforeEach(() => requireKeychain());

describe('the Node version', () => {
  it('the tests and the server they start run on the asked-for Node; the keychain keeps the sign-in', async () => {
    expect(process.version).toBe(expected);
    const configDir = tempDir();
    const server = await env.server({
      configDir,
      nodeArgs: ['--import', PRINT_VERSION],
      args: ['--storage', 'auto'],
      env: { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '' },
    });
    ok(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    await server.close();
    expect(server.stderr()).toContain(`hostsmith-test node ${expected}\n`);
    expect(server.stderr()).not.toMatch(/No usable OS keychain/);
    const secret = await secretToolLookup(`hostsmith-e2e|${env.sandbox.api}`);
    expect(env.sandbox.window.secrets().refreshTokens).toContain(
      (JSON.parse(secret ?? '{}') as { refresh_token?: string }).refresh_token,
    );
    const file = JSON.parse(readFileSync(join(configDir, 'hostsmith-e2e/hostsmith/oauth.json'), 'utf8'));
    expect(file.credentials[env.sandbox.api].storage).toBe('keychain');
  });
});
