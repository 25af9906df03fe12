// The three platforms people run this on, and quoting one argument for the command line a person
// pastes into their terminal: a POSIX shell on Linux and macOS, PowerShell on Windows (the default
// shell of Windows Terminal and of VS Code's terminal). Pure: the platform is a parameter, so each
// platform's rules are tested on any machine. Used by `config` (the entries it prints) and by the
// sign-in error (the `login` command it gives).

export type Platform = 'linux' | 'darwin' | 'win32';
export const PLATFORMS: readonly Platform[] = ['linux', 'darwin', 'win32'];

/** Node's platform name → ours: every other Unix follows Linux's rules here. */
export function toPlatform(value: string): Platform {
  return value === 'win32' || value === 'darwin' ? value : 'linux';
}

/** Where to type a command, for messages. */
export function shellFor(platform: Platform): string {
  return platform === 'win32' ? 'PowerShell' : 'a terminal';
}

/** One argument, quoted only when it has to be. */
export function quoteArg(value: string, platform: Platform): string {
  return platform === 'win32' ? quotePowerShell(value) : quotePosix(value);
}

export function shellLine(argv: readonly string[], platform: Platform): string {
  return argv.map((arg) => quoteArg(arg, platform)).join(' ');
}

/** POSIX sh: '…' is literal; a ' inside becomes '\'' (close, escaped quote, reopen). */
function quotePosix(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * PowerShell "…": literal except `, $ and " (PowerShell also takes the typographic quotes “ ” „
 * for "), each escaped with a backtick. Backslashes are literal in PowerShell, and a trailing one
 * is passed to native commands correctly by PowerShell 7.3 and later.
 */
function quotePowerShell(value: string): string {
  if (/^[A-Za-z0-9_:,./\\-]+$/.test(value)) return value;
  return `"${value.replace(/[`$"\u201C\u201D\u201E]/g, '`$&')}"`;
}
