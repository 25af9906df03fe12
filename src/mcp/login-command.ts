// The terminal command that signs in where this server looks: `npx hostsmith-mcp login` with
// every setting that decides where the credentials go (or which Hostsmith) and is not the
// default, quoted for the shell a person on that platform types into. Pure: the platform is a
// parameter, so each platform's rules are tested on any machine.
import { DEFAULT_API_URL } from '../config.js';

export type Platform = 'linux' | 'darwin' | 'win32';

export interface LoginTarget {
  /** The client folder this server uses (from --client, or from the MCP client's name). */
  clientFolder: string;
  apiUrl: string;
  /** --config-dir as an absolute path (a terminal's working folder is not the server's). */
  configDir?: string;
  storage: 'auto' | 'keychain' | 'file';
}

/**
 * Where to type the command, for the message. On Windows the command is quoted for PowerShell,
 * the default shell of Windows Terminal and of VS Code's terminal: a value with only spaces and
 * backslashes reads the same in cmd.exe, but `$` and a backtick are escaped for PowerShell only.
 */
export function shellFor(platform: Platform): string {
  return platform === 'win32' ? 'PowerShell' : 'a terminal';
}

export function loginCommand(target: LoginTarget, platform: Platform): string {
  // --client always: without it, login picks a folder only when there is exactly one.
  const flags: Array<[string, string]> = [['--client', target.clientFolder]];
  if (target.apiUrl !== DEFAULT_API_URL) flags.push(['--api-url', target.apiUrl]);
  if (target.configDir !== undefined) flags.push(['--config-dir', target.configDir]);
  if (target.storage !== 'auto') flags.push(['--storage', target.storage]);
  const args = flags.map(([flag, value]) => `${flag} ${quoteArg(value, platform)}`);
  return ['npx hostsmith-mcp login', ...args].join(' ');
}

/** One argument, quoted only when it has to be. */
export function quoteArg(value: string, platform: Platform): string {
  return platform === 'win32' ? quotePowerShell(value) : quotePosix(value);
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
