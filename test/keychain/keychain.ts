// The real keychain these tests run against: GNOME Keyring's Secret Service on a private D-Bus
// session bus, started by scripts/with-keychain.sh. Without it the tests FAIL (never skip), and say
// how to get one.
import { execFile, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');
export const WITH_KEYCHAIN = resolve(ROOT, 'scripts/with-keychain.sh');
export const HOW_TO_GET_ONE =
  'run the tests through scripts/with-keychain.sh (needs gnome-keyring, libsecret-tools, dbus), e.g. `scripts/with-keychain.sh npx vitest run test/keychain` or `scripts/test.sh`';
/** A bus address where no Secret Service answers. */
export const NO_BUS = 'unix:path=/nonexistent/hostsmith-no-bus';

const run = promisify(execFile);

/** Throws (failing the test) unless a Secret Service answers on this process's session bus. */
export function requireKeychain(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    throw new Error(`No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): ${HOW_TO_GET_ONE}`);
  }
  const attrs = ['service', 'hostsmith-mcp-test', 'username', `precheck|${process.pid}`];
  const store = spawnSync('secret-tool', ['store', '--label=hostsmith-mcp precheck', ...attrs], {
    input: 'precheck',
    encoding: 'utf8',
    timeout: 5000,
  });
  const lookup = spawnSync('secret-tool', ['lookup', ...attrs], { encoding: 'utf8', timeout: 5000 });
  spawnSync('secret-tool', ['clear', ...attrs], { timeout: 5000 });
  if (store.error || store.status !== 0 || lookup.stdout !== 'precheck') {
    const why = store.error?.message ?? (store.stderr || lookup.stderr || 'no answer').trim();
    throw new Error(`No usable Secret Service on this session bus (secret-tool: ${why}): ${HOW_TO_GET_ONE}`);
  }
}

/** The keychain entry's secret as secret-tool sees it; undefined when there is none. */
export async function secretToolLookup(account: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('secret-tool', ['lookup', 'service', 'hostsmith-mcp', 'username', account], {
      timeout: 5000,
    });
    return stdout === '' ? undefined : stdout;
  } catch {
    return undefined; // secret-tool exits 1 when nothing matches
  }
}
