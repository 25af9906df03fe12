// How the OS keychain behaves on each platform, as pure functions of the platform (tested for all
// three on Linux): how long a call may take, whether a timeout writes the keychain off, its name
// for people, and what to do when this process cannot reach it.

export interface KeychainPolicy {
  /** The bound on one keychain call; the helper's start has its own (HELPER_START_MS, 15 s). */
  timeoutMs: number;
  /** After a timeout, stop calling the keychain for the rest of the process. */
  giveUpAfterTimeout: boolean;
  /** Say that a call is waiting once it has waited this long (a dialog may be up); never if undefined. */
  noticeAfterMs: number | undefined;
  /** Its name for people. */
  name: string;
  /** Bytes one entry may hold, where the keychain has a small limit. */
  limitBytes: number | undefined;
}

export function keychainPolicy(platform: NodeJS.Platform): KeychainPolicy {
  if (platform === 'darwin') {
    // Keychain access may ask the person (another node binary, a locked keychain): give them the
    // time gh gives, and a timeout there is a person still reading, not a dead keychain.
    return {
      timeoutMs: 30_000,
      giveUpAfterTimeout: false,
      noticeAfterMs: 1000,
      name: 'the macOS keychain',
      limitBytes: undefined,
    };
  }
  if (platform === 'win32') {
    // No dialogs; more room than Linux. (10 s was for a helper start that security software often
    // scans; the start has its own bound now, and the call keeps the 10 s.)
    return {
      timeoutMs: 10_000,
      giveUpAfterTimeout: true,
      noticeAfterMs: undefined,
      name: 'Windows Credential Manager',
      limitBytes: 2560,
    };
  }
  // Linux and the rest: the Secret Service over D-Bus, where a hang means a dead bus or daemon.
  return {
    timeoutMs: 3000,
    giveUpAfterTimeout: true,
    noticeAfterMs: undefined,
    name: 'the OS keychain',
    limitBytes: undefined,
  };
}

/** A progress line while a keychain call waits on the person. */
export function keychainWaitMessage(platform: NodeJS.Platform, waitedMs: number): string {
  const name = keychainPolicy(platform).name;
  return `Waiting for ${name} (${Math.round(waitedMs / 1000)} s): if a dialog asks to allow access or for your password, answer it.`;
}

const FILE_WAY_OUT =
  'or start the server with --storage file (you will sign in once more, and the tokens are kept in the file)';

/** What makes the keychain reachable from this process, for an error that names the fix. */
export function keychainReachFix(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  if (platform === 'darwin') {
    return `Unlock the login keychain (Keychain Access) and allow access when macOS asks, ${FILE_WAY_OUT}.`;
  }
  if (platform === 'win32') {
    return `Check that Windows Credential Manager works for this user, ${FILE_WAY_OUT}.`;
  }
  if (!env.DBUS_SESSION_BUS_ADDRESS) {
    return (
      'This server was started without DBUS_SESSION_BUS_ADDRESS, so it cannot reach the Secret Service. ' +
      'Have the MCP host pass that variable to the server — for Codex, add env_vars = ["DBUS_SESSION_BUS_ADDRESS"] ' +
      'to [mcp_servers.hostsmith] in ~/.codex/config.toml; for hosts with an "env" block, set it there — ' +
      `${FILE_WAY_OUT}.`
    );
  }
  return `Check that a Secret Service (GNOME Keyring, KWallet) runs and is unlocked on this session bus, ${FILE_WAY_OUT}.`;
}
