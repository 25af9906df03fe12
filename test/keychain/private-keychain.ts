// A keychain of the test file's own: a private D-Bus session bus with GNOME Keyring's Secret
// Service, unlocked, in a throw-away folder (scripts/with-keychain.sh, kept running in the
// background). Tests may stop it (SIGSTOP) without stalling any other file, and need nothing from
// the environment the suite was started in. Without the Debian packages it FAILS, saying so.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { KEYCHAIN_SERVICE, resetKeychainForTests } from '../../src/store/keychain.js';
import { WITH_KEYCHAIN } from './keychain.js';

const run = promisify(execFile);

export const INSTALL_HINT =
  'The keychain tests need a real Secret Service: install the Debian packages gnome-keyring, libsecret-tools and dbus ' +
  '(as root: apt-get install -y gnome-keyring libsecret-tools dbus), then run the tests again.';

export interface PrivateKeychain {
  /** DBUS_SESSION_BUS_ADDRESS of the private bus. */
  address: string;
  /** The gnome-keyring-daemon serving org.freedesktop.secrets on it. */
  keyringPid: number;
  /** The bus daemon itself. */
  busPid: number;
  /** The entry's secret as secret-tool sees it (service hostsmith-mcp); undefined when none. */
  lookup(account: string): Promise<string | undefined>;
  /** Store a secret with secret-tool, as another program (or a person) would. */
  store(account: string, secret: string): Promise<void>;
  /** Every hostsmith-mcp entry's account. */
  accounts(): Promise<string[]>;
  close(): Promise<void>;
}

const SCRIPT = `
bus=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.DBus | awk '/uint32/ { print $2 }')
printf 'ready %s %s %s\\n' "$HOSTSMITH_TEST_KEYRING_PID" "$bus" "$DBUS_SESSION_BUS_ADDRESS"
exec cat >/dev/null
`;

/**
 * A private keychain for the calling test file, started before its tests and stopped after them;
 * this process's keychain calls go to it. The accessor throws the setup error in every test, so
 * that without a keychain each test FAILS with the how-to (none is reported as skipped).
 */
export function usePrivateKeychain(): () => PrivateKeychain {
  let kc: PrivateKeychain | undefined;
  let failure: Error | undefined;
  beforeAll(async () => {
    try {
      kc = await startPrivateKeychain();
      // The keychain helper process inherits this process's environment: it talks to our bus.
      process.env.DBUS_SESSION_BUS_ADDRESS = kc.address;
      resetKeychainForTests();
    } catch (error) {
      failure = error as Error;
    }
  });
  afterAll(async () => {
    resetKeychainForTests();
    await kc?.close();
  });
  return () => {
    if (!kc) throw failure ?? new Error(`No private keychain. ${INSTALL_HINT}`);
    return kc;
  };
}

export async function startPrivateKeychain(): Promise<PrivateKeychain> {
  for (const tool of ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool', 'dbus-send']) {
    await run('sh', ['-c', `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} not found. ${INSTALL_HINT}`);
    });
  }
  const child = spawn(WITH_KEYCHAIN, ['sh', '-c', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end));
    });
    child.once('exit', (code) =>
      reject(new Error(`scripts/with-keychain.sh exited (${code}): ${stderr.trim()}\n${INSTALL_HINT}`)),
    );
  });
  const [, keyring, bus, address] = line.split(' ');
  const keyringPid = Number(keyring);
  const busPid = Number(bus);
  if (!keyringPid || !busPid || !address) {
    await stop(child);
    throw new Error(`No private keychain (got "${line}"; ${stderr.trim()}). ${INSTALL_HINT}`);
  }
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
  const attrs = (account: string) => ['service', KEYCHAIN_SERVICE, 'username', account];
  return {
    address,
    keyringPid,
    busPid,
    async lookup(account) {
      const found = await run('secret-tool', ['lookup', ...attrs(account)], { env, timeout: 10_000 }).catch(
        () => undefined, // exit 1: no such entry
      );
      return found && found.stdout !== '' ? found.stdout : undefined;
    },
    async store(account, secret) {
      const child = spawn('secret-tool', ['store', '--label=test', ...attrs(account)], { env });
      child.stdin.end(secret);
      const code = await new Promise((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`secret-tool store exited ${code}`);
    },
    async accounts() {
      const { stdout } = await run('secret-tool', ['search', '--all', 'service', KEYCHAIN_SERVICE], {
        env,
        timeout: 10_000,
      });
      return [...stdout.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1]!);
    },
    async close() {
      for (const pid of [keyringPid, busPid]) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {}
      }
      await stop(child);
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end(); // cat ends, with-keychain.sh stops its daemon, dbus-run-session its bus
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
